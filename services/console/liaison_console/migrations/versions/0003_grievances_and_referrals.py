"""Grievances, appeals and several MCOs per case: the case's kind and origin (the case and survey
outcome that opened it), every MCO it was referred to, and clocks keyed by (case, clock, MCO).

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # 0002 creates the tables as declared today: a new database has all of this already.
    op.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS referred_mcos text[] NOT NULL DEFAULT '{}', "
               "ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'inquiry', "
               "ADD COLUMN IF NOT EXISTS origin_inquiry_id uuid, "
               "ADD COLUMN IF NOT EXISTS origin_survey_response_id uuid, "
               "ADD COLUMN IF NOT EXISTS origin_outcome text")
    op.execute("""
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                     AND table_name = 'cases' AND column_name = 'referred_mco') THEN
            UPDATE cases SET referred_mcos = ARRAY[referred_mco] WHERE referred_mco IS NOT NULL;
            DROP INDEX IF EXISTS cases_referred_mco;
            ALTER TABLE cases DROP COLUMN referred_mco;
          END IF;
        END $$""")
    op.execute("CREATE INDEX IF NOT EXISTS cases_referred_mcos ON cases USING gin (referred_mcos)")
    op.execute("CREATE INDEX IF NOT EXISTS cases_origin ON cases (origin_inquiry_id) "
               "WHERE origin_inquiry_id IS NOT NULL")
    op.execute("ALTER TABLE case_clocks ADD COLUMN IF NOT EXISTS mco text, ADD COLUMN IF NOT EXISTS track text")
    op.execute("ALTER TABLE case_clocks DROP CONSTRAINT IF EXISTS case_clocks_pkey")
    op.execute("CREATE UNIQUE INDEX IF NOT EXISTS case_clocks_key ON case_clocks (inquiry_id, clock, mco) "
               "NULLS NOT DISTINCT")


def downgrade() -> None:
    # Per-MCO clocks and all but one referral of a case do not fit the older shape: they are dropped.
    op.execute("DELETE FROM case_clocks WHERE mco IS NOT NULL")
    op.execute("DROP INDEX IF EXISTS case_clocks_key")
    op.execute("ALTER TABLE case_clocks DROP COLUMN IF EXISTS mco, DROP COLUMN IF EXISTS track, "
               "ADD PRIMARY KEY (inquiry_id, clock)")
    op.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS referred_mco text")
    op.execute("UPDATE cases SET referred_mco = referred_mcos[array_length(referred_mcos, 1)] "
               "WHERE cardinality(referred_mcos) > 0")
    op.execute("CREATE INDEX IF NOT EXISTS cases_referred_mco ON cases (referred_mco)")
    op.execute("DROP INDEX IF EXISTS cases_origin")
    op.execute("DROP INDEX IF EXISTS cases_referred_mcos")
    op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS referred_mcos, DROP COLUMN IF EXISTS kind, "
               "DROP COLUMN IF EXISTS origin_inquiry_id, DROP COLUMN IF EXISTS origin_survey_response_id, "
               "DROP COLUMN IF EXISTS origin_outcome")
