"""Referrals kept apart from decisions, so one recorded before triage decides is not lost.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # 0002 creates the tables as declared today, so a new database has the table already.
    op.execute("CREATE TABLE IF NOT EXISTS referrals (inquiry_id uuid PRIMARY KEY, mco text NOT NULL, "
               "at timestamptz NOT NULL)")
    op.execute("""
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                     AND table_name = 'decisions' AND column_name = 'referred_mco') THEN
            INSERT INTO referrals (inquiry_id, mco, at)
              SELECT inquiry_id, referred_mco, decided_at FROM decisions WHERE referred_mco IS NOT NULL
              ON CONFLICT DO NOTHING;
            ALTER TABLE decisions DROP COLUMN referred_mco;
          END IF;
        END $$""")


def downgrade() -> None:
    op.execute("ALTER TABLE decisions ADD COLUMN IF NOT EXISTS referred_mco text")
    op.execute("UPDATE decisions d SET referred_mco = r.mco FROM referrals r WHERE r.inquiry_id = d.inquiry_id")
    op.execute("DROP TABLE IF EXISTS referrals")
