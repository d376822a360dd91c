"""processing and labels

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 06:08:45.762253
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("processed_on", sa.Date(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("loss_g", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_batch_party_id"), ["party_id"], unique=False)

    op.create_table(
        "import",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("origin_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("container_no", sqlmodel.sql.sqltypes.AutoString(length=11), nullable=False),
        sa.Column("supplier", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("arrived_on", sa.Date(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lot_id"),
    )
    with op.batch_alter_table("import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_ledger_index"), ["ledger_index"], unique=True)

    op.create_table(
        "trade_item",
        sa.Column("gtin", sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("gtin"),
        sa.UniqueConstraint("party_id", "product", "grade", name="uq_trade_item_party_product_grade"),
    )
    with op.batch_alter_table("trade_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trade_item_party_id"), ["party_id"], unique=False)

    op.create_table(
        "label",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("gtin", sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
        sa.Column("uri", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["gtin"],
            ["trade_item.gtin"],
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.lot_id"],
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lot_id"),
    )
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_gtin"), ["gtin"], unique=False)
        batch_op.create_index(batch_op.f("ix_label_ledger_index"), ["ledger_index"], unique=True)

    op.create_table(
        "quality_test",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=False),
        sa.Column("sample_g", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("nut_count", sa.Integer(), nullable=False),
        sa.Column("good_kernel_g", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("spotted_kernel_g", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("reject_kernel_g", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("moisture_pct", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("spotted_factor", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("outturn_lbs", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("nut_count_per_kg", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.lot_id"],
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quality_test", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_test_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_quality_test_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "split",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("new_lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.lot_id"],
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("new_lot_id"),
    )
    with op.batch_alter_table("split", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_split_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_split_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "transfer",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("from_party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("to_party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("received_g", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["from_party_id"],
            ["party.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.lot_id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_from_party_id"), ["from_party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfer_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_transfer_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfer_to_party_id"), ["to_party_id"], unique=False)

    op.create_table(
        "receipt",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("transfer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("received_g", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transfer_id"),
    )
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipt_ledger_index"), ["ledger_index"], unique=True)

    op.create_table(
        "transfer_cancel",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("transfer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transfer_id"),
    )
    with op.batch_alter_table("transfer_cancel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_cancel_ledger_index"), ["ledger_index"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("transfer_cancel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_cancel_ledger_index"))

    op.drop_table("transfer_cancel")
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipt_ledger_index"))

    op.drop_table("receipt")
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_to_party_id"))
        batch_op.drop_index(batch_op.f("ix_transfer_lot_id"))
        batch_op.drop_index(batch_op.f("ix_transfer_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_transfer_from_party_id"))

    op.drop_table("transfer")
    with op.batch_alter_table("split", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_split_lot_id"))
        batch_op.drop_index(batch_op.f("ix_split_ledger_index"))

    op.drop_table("split")
    with op.batch_alter_table("quality_test", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_test_lot_id"))
        batch_op.drop_index(batch_op.f("ix_quality_test_ledger_index"))

    op.drop_table("quality_test")
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_label_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_label_gtin"))

    op.drop_table("label")
    with op.batch_alter_table("trade_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_item_party_id"))

    op.drop_table("trade_item")
    with op.batch_alter_table("import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_ledger_index"))

    op.drop_table("import")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_party_id"))
        batch_op.drop_index(batch_op.f("ix_batch_ledger_index"))

    op.drop_table("batch")
