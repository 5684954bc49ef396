"""Case timelines and every cycle of every clock, for the reports.

Revision ID: 0002
"""

from alembic import op

from liaison_reporting.tables import metadata

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
