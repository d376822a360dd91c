"""shipments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:53:07.121527
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shipment",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_ids", sa.JSON(), nullable=False),
        sa.Column("container_no", sqlmodel.sql.sqltypes.AutoString(length=11), nullable=False),
        sa.Column("port_of_loading", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("destination_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("shipped_on", sa.Date(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_shipment_party_id"), ["party_id"], unique=False)

    op.create_table(
        "shipment_lot",
        sa.Column("shipment_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.lot_id"],
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipment.id"],
        ),
        sa.PrimaryKeyConstraint("shipment_id", "lot_id"),
    )


def downgrade() -> None:
    op.drop_table("shipment_lot")
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_party_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_ledger_index"))

    op.drop_table("shipment")
