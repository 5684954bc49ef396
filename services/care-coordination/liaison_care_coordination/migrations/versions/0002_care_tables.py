"""Care coordination's tables: members as attribution tells them, the high-risk lists, conferences,
decisions, next steps, outreach, the tracking list, hospital notices and the items' clocks.

Revision ID: 0002
"""

from alembic import op

from liaison_care_coordination.tables import metadata

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
