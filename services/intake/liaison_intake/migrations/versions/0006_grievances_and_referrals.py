"""Grievances and appeals, survey outcomes' cases and several MCOs per case: the case's kind,
its appeal and origin, expedited and extension state; every referral in `referrals` (was one
`referred_mco`); clocks keyed by MCO too.

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    # 0002 creates the tables as declared today: a new database has all of this already.
    op.execute("""
        ALTER TABLE inquiries
          ADD COLUMN IF NOT EXISTS referrals jsonb NOT NULL DEFAULT '[]',
          ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'inquiry',
          ADD COLUMN IF NOT EXISTS expedited_requested boolean NOT NULL DEFAULT false,
          ADD COLUMN IF NOT EXISTS expedited_denied boolean NOT NULL DEFAULT false,
          ADD COLUMN IF NOT EXISTS extension text,
          ADD COLUMN IF NOT EXISTS origin jsonb,
          ADD COLUMN IF NOT EXISTS origin_inquiry_id uuid,
          ADD COLUMN IF NOT EXISTS appeal jsonb""")
    op.execute("""
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                     AND table_name = 'inquiries' AND column_name = 'referred_mco') THEN
            UPDATE inquiries i SET referrals = jsonb_build_array(jsonb_build_object(
                'mco', i.referred_mco, 'referred_at',
                (SELECT max(l.at) FROM inquiry_log l WHERE l.inquiry_id = i.id
                 AND l.event_type = 'liaison.inquiry.mco-contacted.v1'), 'resolved_at', NULL))
              WHERE i.referred_mco IS NOT NULL;
            DROP INDEX IF EXISTS inquiries_referred_mco;
            ALTER TABLE inquiries DROP COLUMN referred_mco;
          END IF;
        END $$""")
    op.execute("CREATE INDEX IF NOT EXISTS inquiries_referrals ON inquiries USING gin (referrals jsonb_path_ops)")
    op.execute("CREATE INDEX IF NOT EXISTS inquiries_origin ON inquiries (origin_inquiry_id) "
               "WHERE origin_inquiry_id IS NOT NULL")
    op.execute("""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                         AND table_name = 'clocks' AND column_name = 'mco') THEN
            ALTER TABLE clocks ADD COLUMN mco text NOT NULL DEFAULT '';
            ALTER TABLE clocks DROP CONSTRAINT clocks_pkey;
            ALTER TABLE clocks ADD PRIMARY KEY (inquiry_id, clock, mco);
          END IF;
        END $$""")


def downgrade() -> None:
    op.execute("ALTER TABLE inquiries ADD COLUMN IF NOT EXISTS referred_mco text")
    op.execute("UPDATE inquiries SET referred_mco = referrals -> -1 ->> 'mco' WHERE referrals <> '[]'")
    op.execute("CREATE INDEX IF NOT EXISTS inquiries_referred_mco ON inquiries (referred_mco)")
    op.execute("DELETE FROM clocks WHERE mco <> ''")
    op.execute("ALTER TABLE clocks DROP CONSTRAINT clocks_pkey, DROP COLUMN mco")
    op.execute("ALTER TABLE clocks ADD PRIMARY KEY (inquiry_id, clock)")
    op.execute("DROP INDEX IF EXISTS inquiries_referrals")
    op.execute("DROP INDEX IF EXISTS inquiries_origin")
    op.execute("ALTER TABLE inquiries DROP COLUMN referrals, DROP COLUMN kind, DROP COLUMN expedited_requested, "
               "DROP COLUMN expedited_denied, DROP COLUMN extension, DROP COLUMN origin, "
               "DROP COLUMN origin_inquiry_id, DROP COLUMN appeal")
