"""A case's scheduled date: a care-coordination next step is due on the report-back date agreed for it.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # 0002 creates the tables as declared today, so a new database has the column already.
    op.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS scheduled_on date")


def downgrade() -> None:
    op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS scheduled_on")
