"""audit sample cells (measured accuracy, REVIEW_UX.md §9)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10 09:00:00

- ``audit_cells``: one row per auto-accepted cell drawn into a batch's random audit sample, with
  the seed and population of its draw and, once a reviewer confirmed or corrected it, who/when and
  whether the value changed. Rows go with their cell (a re-extraction drops the sample).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_cells',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('batch_id', sa.Integer(), sa.ForeignKey('batches.id', ondelete='CASCADE'), nullable=False),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('documents.id', ondelete='CASCADE'), nullable=False),
        sa.Column('cell_id', sa.Integer(), sa.ForeignKey('cells.id', ondelete='CASCADE'), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('seed', sa.String(length=80), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('value_at_draw', sa.String(length=40), nullable=True),
        sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('drawn_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('checked_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('corrected', sa.Boolean(), nullable=True),
        sa.Column('new_value', sa.String(length=40), nullable=True),
        sa.UniqueConstraint('cell_id', name='uq_audit_cells_cell'),
    )
    op.create_index('ix_audit_cells_batch_id', 'audit_cells', ['batch_id'])
    op.create_index('ix_audit_cells_document_id', 'audit_cells', ['document_id'])


def downgrade() -> None:
    op.drop_index('ix_audit_cells_document_id', table_name='audit_cells')
    op.drop_index('ix_audit_cells_batch_id', table_name='audit_cells')
    op.drop_table('audit_cells')
