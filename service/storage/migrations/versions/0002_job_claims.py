"""job claims, heartbeats and revisions that outlive a re-extraction

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00

- ``documents.job_id``: the one job (RQ job id or thread token) allowed to extract the document;
  a job whose id no longer matches does nothing (a reaped or superseded job).
- ``documents.claim``: a token per running attempt; the result is saved only while it still holds.
- ``documents.heartbeat_at``/``started_at``: the running attempt's liveness and start time.
- ``documents.extractions``: how many extraction results were committed (1 after the first run).
- ``cell_revisions.cell_id`` becomes nullable with ON DELETE SET NULL, so a re-extraction that drops a
  cell never deletes its history (revisions are still found by ``document_id`` + ``key``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
SQLITE_FK = "fk_cell_revisions_cell_id_cells"
POSTGRES_FK = "cell_revisions_cell_id_fkey"


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claim', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extractions', sa.Integer(), nullable=False, server_default='0'))
    _revision_fk(ondelete='SET NULL', nullable=True)


def downgrade() -> None:
    _revision_fk(ondelete='CASCADE', nullable=False)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        for column in ('extractions', 'started_at', 'heartbeat_at', 'claim', 'job_id'):
            batch_op.drop_column(column)


def _revision_fk(ondelete: str, nullable: bool) -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    name = SQLITE_FK if sqlite else POSTGRES_FK
    options = {'naming_convention': NAMING, 'recreate': 'always'} if sqlite else {}
    with op.batch_alter_table('cell_revisions', schema=None, **options) as batch_op:
        batch_op.drop_constraint(name, type_='foreignkey')
        batch_op.alter_column('cell_id', existing_type=sa.Integer(), nullable=nullable)
        batch_op.create_foreign_key(name, 'cells', ['cell_id'], ['id'], ondelete=ondelete)
