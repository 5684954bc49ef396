"""Letters per notice (of a kind, with the mailing address), every MCO a case is referred to.

The inquiry's copy gains its kind, the recipient's name (instead of the caller's), the mailing
address and its latest resolution; `referrals` replaces `inquiries.referred_mco`; a case has a
letter per notice (no longer one at most), each with its kind; `waiting_notices` holds an appeal's
resolution notice until its resolution is known.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # 0002 creates the tables as declared today: a new database has all of this already.
    op.execute("ALTER TABLE inquiries ADD COLUMN IF NOT EXISTS kind text, "
               "ADD COLUMN IF NOT EXISTS recipient_name text, ADD COLUMN IF NOT EXISTS mailing_address jsonb, "
               "ADD COLUMN IF NOT EXISTS resolution_code text, ADD COLUMN IF NOT EXISTS resolved_at timestamptz")
    op.execute("CREATE TABLE IF NOT EXISTS referrals (inquiry_id uuid NOT NULL, mco text NOT NULL, "
               "referred_at timestamptz NOT NULL, PRIMARY KEY (inquiry_id, mco))")
    op.execute("CREATE INDEX IF NOT EXISTS referrals_mco ON referrals (mco)")
    op.execute("""
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                     AND table_name = 'inquiries' AND column_name = 'referred_mco') THEN
            INSERT INTO referrals (inquiry_id, mco, referred_at)
              SELECT inquiry_id, referred_mco, coalesce(received_at, now()) FROM inquiries
              WHERE referred_mco IS NOT NULL ON CONFLICT DO NOTHING;
            ALTER TABLE inquiries DROP COLUMN referred_mco;
          END IF;
          IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                     AND table_name = 'inquiries' AND column_name = 'caller_name') THEN
            UPDATE inquiries SET recipient_name = caller_name WHERE recipient_name IS NULL;
            ALTER TABLE inquiries DROP COLUMN caller_name;
          END IF;
        END $$""")
    op.execute("ALTER TABLE letters DROP CONSTRAINT IF EXISTS letters_inquiry_id_key, "
               "ADD COLUMN IF NOT EXISTS notice text")
    op.execute("CREATE INDEX IF NOT EXISTS letters_inquiry ON letters (inquiry_id)")
    op.execute("CREATE TABLE IF NOT EXISTS waiting_notices (event_id uuid PRIMARY KEY, inquiry_id uuid NOT NULL, "
               "notice text NOT NULL, text text NOT NULL, at timestamptz NOT NULL)")
    op.execute("CREATE INDEX IF NOT EXISTS waiting_notices_inquiry ON waiting_notices (inquiry_id)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS waiting_notices")
    op.execute("DROP INDEX IF EXISTS letters_inquiry")
    op.execute("ALTER TABLE letters DROP COLUMN IF EXISTS notice")
    op.execute("ALTER TABLE inquiries ADD COLUMN IF NOT EXISTS referred_mco text, "
               "ADD COLUMN IF NOT EXISTS caller_name text")
    op.execute("UPDATE inquiries i SET referred_mco = r.mco FROM (SELECT DISTINCT ON (inquiry_id) inquiry_id, mco "
               "FROM referrals ORDER BY inquiry_id, referred_at DESC) r WHERE r.inquiry_id = i.inquiry_id")
    op.execute("UPDATE inquiries SET caller_name = recipient_name")
    op.execute("DROP TABLE IF EXISTS referrals")
    op.execute("ALTER TABLE inquiries DROP COLUMN IF EXISTS kind, DROP COLUMN IF EXISTS recipient_name, "
               "DROP COLUMN IF EXISTS mailing_address, DROP COLUMN IF EXISTS resolution_code, "
               "DROP COLUMN IF EXISTS resolved_at")

