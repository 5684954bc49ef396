"""Bulk exports of attribution lists (Da Vinci ATR $davinci-data-export): jobs and their NDJSON files.

Revision ID: 0006
"""

from alembic import op

from liaison_attribution.export_store import metadata

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
