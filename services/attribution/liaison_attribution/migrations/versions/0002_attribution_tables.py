"""Members, providers, claims, assignments, panel removals.

Revision ID: 0002
"""

from alembic import op

from liaison_attribution.tables import metadata

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
