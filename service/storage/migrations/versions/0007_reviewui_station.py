"""review station: undoable row repairs, the chosen document of an agency + year

Revision ID: 0004_reviewui
Revises: 0004_hardening_sessions
Create Date: 2026-12-01 08:45:00

- ``repair_actions``: one row per structure repair with the changed cells as they were before
  (Cell JSON + review status) and the versions the repair left them at;
- ``report_choices``: which document is the current one of an agency + year (duplicates).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_reviewui'
down_revision = '0004_hardening_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'repair_actions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('documents.id', ondelete='CASCADE'), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('row', sa.String(length=80), nullable=False),
        sa.Column('detail', sa.String(length=80), nullable=False),
        sa.Column('before_json', sa.Text(), nullable=False),
        sa.Column('versions_json', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_repair_actions_document_id', 'repair_actions', ['document_id'])
    op.create_table(
        'report_choices',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('agency', sa.String(length=200), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('documents.id', ondelete='CASCADE'), nullable=False),
        sa.Column('chosen_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('agency', 'year', name='uq_report_choices_agency_year'),
    )


def downgrade() -> None:
    op.drop_table('report_choices')
    op.drop_index('ix_repair_actions_document_id', table_name='repair_actions')
    op.drop_table('repair_actions')
