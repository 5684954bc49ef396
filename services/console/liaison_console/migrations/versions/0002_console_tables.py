"""The console's projection of cases and clocks, its change feed, people and sessions.

Revision ID: 0002
"""

from alembic import op

from liaison_console.tables import metadata

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
