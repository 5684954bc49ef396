"""The MCO a case was referred to, which its subject line names.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # 0002 creates the tables as declared today, so a new database has the column already.
    op.execute("ALTER TABLE decisions ADD COLUMN IF NOT EXISTS referred_mco text")


def downgrade() -> None:
    op.execute("ALTER TABLE decisions DROP COLUMN IF EXISTS referred_mco")
