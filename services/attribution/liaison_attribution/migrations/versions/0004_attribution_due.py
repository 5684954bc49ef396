"""Members stored from a file wait for the next batch run: members.attribution_due.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # 0002 creates the tables from the current metadata: on a new database the column is already there.
    op.execute("ALTER TABLE members ADD COLUMN IF NOT EXISTS attribution_due boolean NOT NULL DEFAULT false")
    op.execute("CREATE INDEX IF NOT EXISTS members_attribution_due ON members (member_id) WHERE attribution_due")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS members_attribution_due")
    op.execute("ALTER TABLE members DROP COLUMN IF EXISTS attribution_due")
