"""Grievances and appeals: what a case is (kind), its expedited request and denial, its extension and first
resolution code; the reviews at each level; and clock cycles keyed by the MCO whose obligation they time (the
MCO scorecard counts a cycle for that MCO).

Revision ID: 0004
"""

from alembic import op

from liaison_reporting.tables import cases, clock_cycles, reviews

revision = "0004"
down_revision = "0003"

CASE_COLUMNS = (("kind", "text"), ("expedited_requested", "boolean"), ("expedited_denied_at", "timestamptz"),
                ("extended_by", "text"), ("extended_days", "integer"), ("resolution_code", "text"))
INDEX = "reporting_cases_grievance_appeal"


def upgrade() -> None:
    # 0002 creates the tables as declared today, so a new database has all of this already.
    for name, kind in CASE_COLUMNS:
        op.execute(f"ALTER TABLE cases ADD COLUMN IF NOT EXISTS {name} {kind}")
    op.execute("ALTER TABLE clock_cycles ADD COLUMN IF NOT EXISTS clock_mco text NOT NULL DEFAULT ''")
    op.execute("""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a
                           ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                         WHERE c.conrelid = 'clock_cycles'::regclass AND c.contype = 'p'
                           AND a.attname = 'clock_mco') THEN
            ALTER TABLE clock_cycles DROP CONSTRAINT clock_cycles_pkey;
            ALTER TABLE clock_cycles ADD CONSTRAINT clock_cycles_pkey
              PRIMARY KEY (inquiry_id, clock, clock_mco, due_at);
          END IF;
        END $$""")
    bind = op.get_bind()
    # The MCO scorecard's index now covers the clock's own MCO too (a cycle counts for the MCO it obliges).
    op.execute("DROP INDEX IF EXISTS reporting_cycles_mco_due")
    for index in clock_cycles.indexes:
        if index.name == "reporting_cycles_mco_due":
            index.create(bind)
    reviews.create(bind, checkfirst=True)
    for index in cases.indexes:
        if index.name == INDEX:
            index.create(bind, checkfirst=True)


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    op.execute("DROP TABLE IF EXISTS reviews")
    op.execute("ALTER TABLE clock_cycles DROP CONSTRAINT clock_cycles_pkey")
    op.execute("DELETE FROM clock_cycles WHERE clock_mco <> ''")
    op.execute("ALTER TABLE clock_cycles ADD CONSTRAINT clock_cycles_pkey PRIMARY KEY (inquiry_id, clock, due_at)")
    op.execute("ALTER TABLE clock_cycles DROP COLUMN IF EXISTS clock_mco")
    for name, _ in CASE_COLUMNS:
        op.execute(f"ALTER TABLE cases DROP COLUMN IF EXISTS {name}")
