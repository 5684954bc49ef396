"""The MCO a case was last referred to, which confines what that MCO's principals see.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # 0002 creates the tables as declared today, so a new database has these already.
    op.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS referred_mco text")
    op.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS referred_at timestamp with time zone")
    op.execute("CREATE INDEX IF NOT EXISTS cases_referred_mco ON cases (referred_mco)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS cases_referred_mco")
    op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS referred_at")
    op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS referred_mco")
