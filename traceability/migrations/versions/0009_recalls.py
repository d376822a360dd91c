"""recalls: the recall record and the lots each reached; shipment_lot by lot

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recall",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.lot_id"]),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recall", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recall_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_recall_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recall_party_id"), ["party_id"], unique=False)

    op.create_table(
        "recall_lot",
        sa.Column("recall_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("previous_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.lot_id"]),
        sa.ForeignKeyConstraint(["recall_id"], ["recall.id"]),
        sa.PrimaryKeyConstraint("recall_id", "lot_id"),
    )
    with op.batch_alter_table("recall_lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recall_lot_lot_id"), ["lot_id"], unique=False)
    # A lot's shipments (trace, recalls, the buyer's page) read shipment_lot by its second key column.
    with op.batch_alter_table("shipment_lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_lot_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shipment_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_lot_lot_id"))
    with op.batch_alter_table("recall_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recall_lot_lot_id"))
    op.drop_table("recall_lot")
    with op.batch_alter_table("recall", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recall_party_id"))
        batch_op.drop_index(batch_op.f("ix_recall_lot_id"))
        batch_op.drop_index(batch_op.f("ix_recall_ledger_index"))
    op.drop_table("recall")
