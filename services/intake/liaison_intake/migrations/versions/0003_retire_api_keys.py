"""API keys retired: no more API clients; Idempotency-Key records are kept per
principal, the token's subject, stored as text.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # 0002 creates the tables as declared today: a new database has neither api_clients nor client_id.
    op.execute("DROP TABLE IF EXISTS api_clients")
    op.execute("""
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                     AND table_name = 'idempotency_keys' AND column_name = 'client_id') THEN
            -- A key's client is gone with its key: its records can never be asked for again.
            DELETE FROM idempotency_keys;
            ALTER TABLE idempotency_keys RENAME COLUMN client_id TO principal_id;
            ALTER TABLE idempotency_keys ALTER COLUMN principal_id TYPE text;
          END IF;
        END $$""")


def downgrade() -> None:
    op.execute("""
        CREATE TABLE IF NOT EXISTS api_clients (
          id uuid PRIMARY KEY, name text NOT NULL UNIQUE, key_hash bytea NOT NULL, scopes text[] NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz)""")
    op.execute("""
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                     AND table_name = 'idempotency_keys' AND column_name = 'principal_id') THEN
            DELETE FROM idempotency_keys;
            ALTER TABLE idempotency_keys RENAME COLUMN principal_id TO client_id;
            ALTER TABLE idempotency_keys ALTER COLUMN client_id TYPE uuid USING client_id::uuid;
          END IF;
        END $$""")
