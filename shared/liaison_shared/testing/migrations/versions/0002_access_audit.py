"""The access audit, for the tests of liaison_shared.audit.

Revision ID: 0002
"""

from alembic import op

from liaison_shared.audit import create_access_audit, drop_access_audit

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    create_access_audit(op)


def downgrade() -> None:
    drop_access_audit(op)
