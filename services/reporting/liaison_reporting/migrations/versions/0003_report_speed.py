"""Reports over a million cases in under 2 s: each clock cycle carries its case's MCO, referral and source (so
compliance needs no join), and covering indexes let the reports read indexes alone.

Revision ID: 0003
"""

from alembic import op

from liaison_reporting.tables import cases, clock_cycles

revision = "0003"
down_revision = "0002"

NEW_INDEXES = ("reporting_cases_resolution_by_time", "reporting_cases_resolution_by_value",
               "reporting_cases_resolution_by_track", "reporting_cases_first_contact_by_time",
               "reporting_cases_first_contact_by_value", "reporting_cases_first_contact_by_track",
               "reporting_cases_referred", "reporting_cycles_mco_due")


def upgrade() -> None:
    # 0002 creates the tables as declared today, so a new database has all of this already.
    op.execute("ALTER TABLE clock_cycles ADD COLUMN IF NOT EXISTS mco text NOT NULL DEFAULT 'none'")
    op.execute("ALTER TABLE clock_cycles ADD COLUMN IF NOT EXISTS referred_mco text")
    op.execute("ALTER TABLE clock_cycles ADD COLUMN IF NOT EXISTS source text")
    op.execute("""
        UPDATE clock_cycles k SET mco = coalesce(c.referred_mco, c.mco, 'none'), referred_mco = c.referred_mco,
          source = c.source
        FROM cases c WHERE c.id = k.inquiry_id
          AND (k.mco, k.referred_mco, k.source) IS DISTINCT FROM (coalesce(c.referred_mco, c.mco, 'none'),
                                                                 c.referred_mco, c.source)""")
    op.execute("DROP INDEX IF EXISTS reporting_cases_resolved")  # now reporting_cases_resolution_by_time
    bind = op.get_bind()
    for table in (cases, clock_cycles):
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            if index.name in NEW_INDEXES:
                index.create(bind, checkfirst=True)


def downgrade() -> None:
    for name in NEW_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("CREATE INDEX IF NOT EXISTS reporting_cases_resolved ON cases (resolved_at)")
    for column in ("source", "referred_mco", "mco"):
        op.execute(f"ALTER TABLE clock_cycles DROP COLUMN IF EXISTS {column}")
