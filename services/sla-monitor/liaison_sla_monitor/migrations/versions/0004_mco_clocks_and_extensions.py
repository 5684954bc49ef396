"""Per-MCO clocks and deadline extensions: a clock instance per (inquiry, clock, MCO), the MCO of each
referral and report, and the extensions of a case's deadlines (once per clock, 438.408(c)).

A case referred to several MCOs runs one instance of each MCO clock per MCO, so the clocks are keyed
(inquiry_id, name, mco), '' for a case-level clock. An MCO reads a case iff it was referred to it (any
referral, no longer only the latest one), so `cases.referred_mco` gives way to the MCO of each referral.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"

def upgrade() -> None:
    # 0002 creates the tables as declared today, so a new database has the columns already; 0003 has
    # just added the referred_mco columns this drops.
    op.execute("ALTER TABLE clocks ADD COLUMN IF NOT EXISTS mco text NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE clocks ADD COLUMN IF NOT EXISTS extended_days integer NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE signals ADD COLUMN IF NOT EXISTS mco text")
    op.execute("""CREATE TABLE IF NOT EXISTS extensions (
        inquiry_id uuid NOT NULL, clock text NOT NULL, days integer NOT NULL, requested_by text NOT NULL,
        at timestamp with time zone NOT NULL, PRIMARY KEY (inquiry_id, clock))""")
    # An existing database knew one MCO per case, its latest referral: its referrals, reports and MCO
    # clocks (those started by a referral or met only by the MCO's reports, and their follow-ups) are that MCO's.
    op.execute("""UPDATE signals s SET mco = c.referred_mco FROM cases c
        WHERE s.inquiry_id = c.inquiry_id AND s.mco IS NULL AND c.referred_mco IS NOT NULL
          AND s.signal IN ('mco_contacted', 'mco_reported', 'mco_reported_contact')""")
    op.execute("""UPDATE clocks k SET mco = c.referred_mco FROM cases c
        WHERE k.inquiry_id = c.inquiry_id AND k.mco = '' AND c.referred_mco IS NOT NULL
          AND (k.starts_on = 'mco_contacted' OR k.met_by <@ ARRAY['mco_reported', 'mco_reported_contact'])""")
    op.execute("""UPDATE clocks f SET mco = k.mco FROM clocks k
        WHERE f.inquiry_id = k.inquiry_id AND f.starts_on = 'breach:' || k.name AND f.mco = '' AND k.mco <> ''""")
    op.execute("ALTER TABLE clocks DROP CONSTRAINT IF EXISTS clocks_inquiry_id_name_key")
    op.execute("CREATE UNIQUE INDEX IF NOT EXISTS clocks_instance ON clocks (inquiry_id, name, mco)")
    op.execute("CREATE INDEX IF NOT EXISTS signals_referrals ON signals (mco, inquiry_id) "
               "WHERE signal = 'mco_contacted'")
    op.execute("DROP INDEX IF EXISTS cases_referred_mco")
    op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS referred_mco, DROP COLUMN IF EXISTS referred_at")


def downgrade() -> None:
    # Back to one clock per (inquiry, name): the further MCOs' instances go, the first referral's stay.
    op.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS referred_mco text, "
               "ADD COLUMN IF NOT EXISTS referred_at timestamp with time zone")
    op.execute("""UPDATE cases c SET referred_mco = s.mco, referred_at = s.at FROM (
        SELECT DISTINCT ON (inquiry_id) inquiry_id, mco, at FROM signals
        WHERE signal = 'mco_contacted' AND mco IS NOT NULL ORDER BY inquiry_id, at DESC, id DESC) s
        WHERE c.inquiry_id = s.inquiry_id""")
    op.execute("CREATE INDEX IF NOT EXISTS cases_referred_mco ON cases (referred_mco)")
    op.execute("""DELETE FROM clocks k WHERE EXISTS (SELECT 1 FROM clocks o WHERE o.inquiry_id = k.inquiry_id
        AND o.name = k.name AND o.id < k.id)""")
    op.execute("DROP INDEX IF EXISTS signals_referrals")
    op.execute("DROP INDEX IF EXISTS clocks_instance")
    op.execute("ALTER TABLE clocks ADD CONSTRAINT clocks_inquiry_id_name_key UNIQUE (inquiry_id, name)")
    op.execute("DROP TABLE IF EXISTS extensions")
    op.execute("ALTER TABLE signals DROP COLUMN IF EXISTS mco")
    op.execute("ALTER TABLE clocks DROP COLUMN IF EXISTS extended_days, DROP COLUMN IF EXISTS mco")
