"""lot_parent by parent: an index for following a lot forward (what it went into)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lot_parent", schema=None) as batch_op:
        batch_op.create_index("ix_lot_parent_parent_lot_id", ["parent_lot_id", "lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lot_parent", schema=None) as batch_op:
        batch_op.drop_index("ix_lot_parent_parent_lot_id")
