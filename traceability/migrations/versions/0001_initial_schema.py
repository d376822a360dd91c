"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 05:44:48.290798
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_party_id"), ["party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_raised_at"), ["raised_at"], unique=False)

    op.create_table(
        "idempotency_record",
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("party_id", "key"),
    )
    op.create_table(
        "ledger_checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("leaf_data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_record_id"), ["record_id"], unique=False)

    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The single head row whose lock sequences every append (an empty log).
    op.execute(
        sa.text("INSERT INTO ledger_head (id, size, frontier) VALUES (1, 0, :empty)").bindparams(
            sa.bindparam("empty", b"", type_=sa.LargeBinary())
        )
    )
    op.create_table(
        "ledger_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "party",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("district", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("gs1_company_prefix", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_role"), ["role"], unique=False)

    op.create_table(
        "api_key",
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("key_hash"),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_party_id"), ["party_id"], unique=False)

    op.create_table(
        "correction",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("corrects", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("record_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_correction_corrects"), ["corrects"], unique=False)
        batch_op.create_index(batch_op.f("ix_correction_ledger_index"), ["ledger_index"], unique=True)

    op.create_table(
        "farm",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("owner_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("legacy_province", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("district", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("province", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("commune", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("area_m2", sa.BigInteger(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("computed_area_m2", sa.BigInteger(), nullable=True),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("planted_year", sa.Integer(), nullable=True),
        sa.Column("variety", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("farm", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_farm_district"), ["district"], unique=False)
        batch_op.create_index(batch_op.f("ix_farm_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_farm_min_lon"), ["min_lon"], unique=False)
        batch_op.create_index(batch_op.f("ix_farm_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "lot",
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_by_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("produced_on", sa.Date(), nullable=False),
        sa.Column("certifications", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("lot_id"),
    )
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lot_status"), ["status"], unique=False)

    op.create_table(
        "certification",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("farm_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("owner_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("scheme", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("certificate_no", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["farm_id"],
            ["farm.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("certification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certification_farm_id"), ["farm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certification_ledger_index"), ["ledger_index"], unique=True)

    op.create_table(
        "farm_input",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("farm_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("farmer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("quantity", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["farm_id"],
            ["farm.id"],
        ),
        sa.ForeignKeyConstraint(
            ["farmer_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("farm_input", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_farm_input_farm_id"), ["farm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_farm_input_ledger_index"), ["ledger_index"], unique=True)

    op.create_table(
        "harvest",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("farm_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("farmer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("harvested_on", sa.Date(), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("moisture_pct", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["farm_id"],
            ["farm.id"],
        ),
        sa.ForeignKeyConstraint(
            ["farmer_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lot_id"),
    )
    with op.batch_alter_table("harvest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_farm_id"), ["farm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_harvest_harvested_on"), ["harvested_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_harvest_ledger_index"), ["ledger_index"], unique=True)

    op.create_table(
        "lot_origin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("district", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("farm_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.lot_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lot_origin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_origin_farm_id"), ["farm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lot_origin_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "lot_parent",
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("parent_lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.lot_id"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_lot_id"],
            ["lot.lot_id"],
        ),
        sa.PrimaryKeyConstraint("lot_id", "parent_lot_id"),
    )


def downgrade() -> None:
    op.drop_table("lot_parent")
    with op.batch_alter_table("lot_origin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_origin_lot_id"))
        batch_op.drop_index(batch_op.f("ix_lot_origin_farm_id"))

    op.drop_table("lot_origin")
    with op.batch_alter_table("harvest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_harvest_harvested_on"))
        batch_op.drop_index(batch_op.f("ix_harvest_farm_id"))

    op.drop_table("harvest")
    with op.batch_alter_table("farm_input", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_farm_input_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_farm_input_farm_id"))

    op.drop_table("farm_input")
    with op.batch_alter_table("certification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certification_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_certification_farm_id"))

    op.drop_table("certification")
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_status"))
        batch_op.drop_index(batch_op.f("ix_lot_owner_id"))

    op.drop_table("lot")
    with op.batch_alter_table("farm", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_farm_owner_id"))
        batch_op.drop_index(batch_op.f("ix_farm_min_lon"))
        batch_op.drop_index(batch_op.f("ix_farm_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_farm_district"))

    op.drop_table("farm")
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_correction_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_correction_corrects"))

    op.drop_table("correction")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_party_id"))

    op.drop_table("api_key")
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_role"))

    op.drop_table("party")
    op.drop_table("ledger_node")
    op.drop_table("ledger_head")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_record_id"))

    op.drop_table("ledger_entry")
    op.drop_table("ledger_checkpoint")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_raised_at"))
        batch_op.drop_index(batch_op.f("ix_alert_party_id"))
        batch_op.drop_index(batch_op.f("ix_alert_kind"))

    op.drop_table("alert")
