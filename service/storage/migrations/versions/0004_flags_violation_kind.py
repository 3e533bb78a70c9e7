"""violation kind (issue 8: report's own error, missing row)

Revision ID: 0004_flags
Revises: 0003
Create Date: 2026-12-01 09:00:00

- ``violations.kind``: ``identity`` | ``report_error`` | ``missing_row`` | ``value_rule`` |
  ``narrative`` (``service.model.ViolationKind``); existing rows become ``identity``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_flags'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('violations') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='identity'))


def downgrade() -> None:
    with op.batch_alter_table('violations') as batch:
        batch.drop_column('kind')
