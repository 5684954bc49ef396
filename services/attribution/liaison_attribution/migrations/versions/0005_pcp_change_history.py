"""A member's PCP history: each assignment's note (was reason_text) and who recorded it, and an index by
member.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # 0002 creates the tables from the current metadata: on a new database the columns are already there.
    op.execute("""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                       AND table_name = 'assignments' AND column_name = 'reason_text') THEN
                ALTER TABLE assignments RENAME COLUMN reason_text TO note;
            END IF;
        END $$""")
    op.execute("ALTER TABLE assignments ADD COLUMN IF NOT EXISTS recorded_by jsonb")
    op.execute("CREATE INDEX IF NOT EXISTS assignments_member ON assignments (member_id, effective_from)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS assignments_member")
    op.execute("ALTER TABLE assignments DROP COLUMN IF EXISTS recorded_by")
    op.execute("ALTER TABLE assignments RENAME COLUMN note TO reason_text")
