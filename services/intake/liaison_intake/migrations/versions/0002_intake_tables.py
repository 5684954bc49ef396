"""Inquiries, inquiry log, clocks, idempotency keys, as `tables.py` declares them
(a database made before 0003 also had API clients).

Revision ID: 0002
"""

from alembic import op

from liaison_intake.tables import metadata

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
    op.execute("DROP TABLE IF EXISTS api_clients")
