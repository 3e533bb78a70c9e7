"""session version per user (logout, role change and deactivation end sessions)

Revision ID: 0004_hardening_sessions
Revises: 0003
Create Date: 2026-12-01 08:45:00

- ``users.session_version``: every session cookie carries the version it was issued under; the web
  app reloads the user on each request and refuses a session whose version is older (logout, role
  change and deactivation bump it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_hardening_sessions'
down_revision = '0004_archive'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
