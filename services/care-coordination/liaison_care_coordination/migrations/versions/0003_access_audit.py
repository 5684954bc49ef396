"""The PHI access audit (liaison_shared.audit).

Revision ID: 0003
"""

from alembic import op

from liaison_shared.audit import create_access_audit, drop_access_audit

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_access_audit(op)


def downgrade() -> None:
    drop_access_audit(op)
