"""checkpoint links: each stored checkpoint signed together with the one stored before it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

The links of the checkpoints already stored are signed by the server when it starts
(traceability.anchoring.links), not here: a migration holds no signing key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_checkpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_checkpoint", schema=None) as batch_op:
        batch_op.drop_column("link")
