"""The outbox and inbox tables every service keeps in its own schema.

Tables are declared without a schema: each service's engine puts its own
schema first on the search path (see `db.create_engine`).
"""

from __future__ import annotations

from alembic.operations import Operations
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("topic", Text, nullable=False),
    Column("key", LargeBinary, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()),
    Column("sent_at", DateTime(timezone=True)),
)
Index("outbox_unsent", outbox.c.id, postgresql_where=outbox.c.sent_at.is_(None))

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", Text, primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def notify_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel on which a schema's outbox announces new rows."""
    return f"{schema}_outbox"


def create_bus_tables(op: Operations) -> None:
    """Alembic step that creates the outbox (with its NOTIFY trigger) and the inbox."""
    bind = op.get_bind()
    metadata.create_all(bind, tables=[outbox, inbox])
    # One NOTIFY per inserting statement, delivered at commit: the relay wakes
    # exactly when there is something committed to send.
    op.execute(text("""
        CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
          RETURN NULL;
        END $$
    """))
    op.execute(text(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()"
    ))


def drop_bus_tables(op: Operations) -> None:
    """Alembic downgrade step of `create_bus_tables`."""
    op.execute(text("DROP TRIGGER IF EXISTS outbox_notify ON outbox"))
    op.execute(text("DROP FUNCTION IF EXISTS outbox_notify()"))
    metadata.drop_all(op.get_bind(), tables=[outbox, inbox])
