"""Outbox and inbox, plus an effects table the bus tests count.

Revision ID: 0001
"""

from alembic import op
from sqlalchemy import text

from liaison_shared.bus_tables import create_bus_tables, drop_bus_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_bus_tables(op)
    # Deliberately no unique constraint: a second effect of one event must show.
    op.execute(text("CREATE TABLE effects (event_id uuid NOT NULL, inquiry_id uuid NOT NULL, "
                    "at timestamptz NOT NULL DEFAULT clock_timestamp())"))


def downgrade() -> None:
    op.execute(text("DROP TABLE effects"))
    drop_bus_tables(op)
