"""list indexes: each list of SPEC §6.5 is one range of an index (the caller's party, then the list's order)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08

Anchored records are listed in ledger order (``party_id, ledger_index``…), lots and offers
by ``created_at`` then their id. An index whose first column was the party alone gives way
to the one that adds the order, which serves every query the old one did; the index on a
lot's status (four values) goes, as it drew the planner away from the lists' own ranges
into reading and sorting every lot of a status. Offers gain
``seller_id`` (their listing's seller, filled in from the listings here), so that the offers
a seller received are a range like the ones a buyer made.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (the indexes it drops: name -> columns, the indexes it creates: name -> columns)
INDEXES: dict[str, tuple[dict[str, list[str]], dict[str, list[str]]]] = {
    "lot": (
        {"ix_lot_owner_id": ["owner_id"], "ix_lot_status": ["status"]},
        {
            "ix_lot_owner_id_created_at": ["owner_id", "created_at", "lot_id"],
            "ix_lot_created_at": ["created_at", "lot_id"],
        },
    ),
    "harvest": ({}, {"ix_harvest_farmer_id_ledger_index": ["farmer_id", "ledger_index"]}),
    "batch": ({"ix_batch_party_id": ["party_id"]}, {"ix_batch_party_id_ledger_index": ["party_id", "ledger_index"]}),
    "quality_test": ({}, {"ix_quality_test_party_id_ledger_index": ["party_id", "ledger_index"]}),
    "shipment": (
        {"ix_shipment_party_id": ["party_id"]},
        {"ix_shipment_party_id_ledger_index": ["party_id", "ledger_index"]},
    ),
    "offer": (
        {"ix_offer_buyer_id": ["buyer_id"]},
        {
            "ix_offer_buyer_id_created_at": ["buyer_id", "created_at", "id"],
            "ix_offer_seller_id_created_at": ["seller_id", "created_at", "id"],
            "ix_offer_created_at": ["created_at", "id"],
        },
    ),
    "contract": (
        {},
        {
            "ix_contract_buyer_id_ledger_index": ["buyer_id", "ledger_index"],
            "ix_contract_seller_id_ledger_index": ["seller_id", "ledger_index"],
        },
    ),
}


def _offer_seller() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seller_id", AutoString(length=32), nullable=True))
    op.execute(
        "UPDATE offer SET seller_id = (SELECT listing.seller_id FROM listing WHERE listing.id = offer.listing_id)"
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.alter_column("seller_id", existing_type=AutoString(length=32), nullable=False)
        batch_op.create_foreign_key("offer_seller_id_fkey", "party", ["seller_id"], ["id"])


def upgrade() -> None:
    _offer_seller()
    for table, (dropped, created) in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in dropped:
                batch_op.drop_index(name)
            for name, columns in created.items():
                batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, (dropped, created) in reversed(INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in reversed(created):
                batch_op.drop_index(name)
            for name, columns in dropped.items():
                batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_constraint("offer_seller_id_fkey", type_="foreignkey")
        batch_op.drop_column("seller_id")
