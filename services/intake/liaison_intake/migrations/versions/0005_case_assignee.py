"""Whose case it is: the assignee (token subject and display name) on the inquiry row,
indexed by subject for "my cases".

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # 0002 creates the tables as declared today: a new database has all of this already.
    op.execute("ALTER TABLE inquiries ADD COLUMN IF NOT EXISTS assignee_subject text, "
               "ADD COLUMN IF NOT EXISTS assignee_name text")
    op.execute("""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'inquiries'::regclass
                         AND conname = 'inquiries_assignee_whole') THEN
            ALTER TABLE inquiries ADD CONSTRAINT inquiries_assignee_whole
              CHECK ((assignee_subject IS NULL) = (assignee_name IS NULL));
          END IF;
        END $$""")
    op.execute("CREATE INDEX IF NOT EXISTS inquiries_assignee_subject ON inquiries (assignee_subject)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS inquiries_assignee_subject")
    op.execute("ALTER TABLE inquiries DROP CONSTRAINT IF EXISTS inquiries_assignee_whole, "
               "DROP COLUMN IF EXISTS assignee_subject, DROP COLUMN IF EXISTS assignee_name")
