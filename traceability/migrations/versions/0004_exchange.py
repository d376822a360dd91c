"""exchange

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 07:04:13.645485
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seller_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("price", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("incoterm", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("port", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("remaining_g", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.lot_id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_listing_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listing_seller_id"), ["seller_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listing_status"), ["status"], unique=False)

    op.create_table(
        "offer",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("listing_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("buyer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("price", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["party.id"],
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_listing_id"), ["listing_id"], unique=False)

    op.create_table(
        "contract",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("listing_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("offer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("price", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("buyer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seller_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("transfer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["party.id"],
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["party.id"],
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("offer_id"),
    )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_contract_listing_id"), ["listing_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_listing_id"))
        batch_op.drop_index(batch_op.f("ix_contract_ledger_index"))

    op.drop_table("contract")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_listing_id"))
        batch_op.drop_index(batch_op.f("ix_offer_buyer_id"))

    op.drop_table("offer")
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_status"))
        batch_op.drop_index(batch_op.f("ix_listing_seller_id"))
        batch_op.drop_index(batch_op.f("ix_listing_lot_id"))
        batch_op.drop_index(batch_op.f("ix_listing_ledger_index"))

    op.drop_table("listing")
