"""archive: agencies with aliases, document → agency, uncertain-match decisions, checks across reports

Revision ID: 0004_archive
Revises: 0003
Create Date: 2026-12-01 09:00:00

- ``agencies`` (canonical name, region) and ``agency_aliases`` (every normalised printing, unique per agency);
- ``document_agency``: one row per document: the printed name, its agency (NULL while undecided) and how
  it matched;
- ``agency_decisions``: uncertain matches waiting for a person (candidates, resolution, who/when);
- ``cross_violations``: rules broken between two reports of one agency (derived, recomputed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_archive'
down_revision = '0004_flags'
branch_labels = None
depends_on = None


def _created() -> sa.Column:
    return sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        'agencies',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=200), nullable=False, unique=True),
        sa.Column('province', sa.String(length=40), nullable=True),
        sa.Column('city', sa.String(length=40), nullable=True),
        sa.Column('county', sa.String(length=40), nullable=True),
        sa.Column('body', sa.String(length=200), nullable=False),
        _created(),
    )
    op.create_index('ix_agencies_province', 'agencies', ['province'])
    op.create_index('ix_agencies_city', 'agencies', ['city'])
    op.create_table(
        'agency_aliases',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id', ondelete='CASCADE'), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        _created(),
        sa.UniqueConstraint('agency_id', 'name', name='uq_agency_aliases_agency_name'),
    )
    op.create_index('ix_agency_aliases_agency_id', 'agency_aliases', ['agency_id'])
    op.create_index('ix_agency_aliases_name', 'agency_aliases', ['name'])
    op.create_table(
        'document_agency',
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('documents.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id', ondelete='SET NULL'), nullable=True),
        sa.Column('printed', sa.String(length=200), nullable=False),
        sa.Column('matched_by', sa.String(length=16), nullable=False),
    )
    op.create_index('ix_document_agency_agency_id', 'document_agency', ['agency_id'])
    op.create_table(
        'agency_decisions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('documents.id', ondelete='CASCADE'), nullable=False),
        sa.Column('printed', sa.String(length=200), nullable=False),
        sa.Column('candidates', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id', ondelete='SET NULL'), nullable=True),
        sa.Column('decided_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        _created(),
    )
    op.create_index('ix_agency_decisions_document_id', 'agency_decisions', ['document_id'])
    op.create_index('ix_agency_decisions_status', 'agency_decisions', ['status'])
    op.create_table(
        'cross_violations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('documents.id', ondelete='CASCADE'), nullable=False),
        sa.Column('other_document_id', sa.Integer(), sa.ForeignKey('documents.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id', ondelete='CASCADE'), nullable=False),
        sa.Column('rule', sa.String(length=200), nullable=False),
        sa.Column('cells', sa.Text(), nullable=False),
        sa.Column('expected', sa.String(length=40), nullable=True),
        sa.Column('found', sa.String(length=40), nullable=True),
        _created(),
    )
    for column in ('document_id', 'other_document_id', 'agency_id'):
        op.create_index(f'ix_cross_violations_{column}', 'cross_violations', [column])


def downgrade() -> None:
    for table in ('cross_violations', 'agency_decisions', 'document_agency', 'agency_aliases', 'agencies'):
        op.drop_table(table)
