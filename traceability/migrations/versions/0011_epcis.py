"""epcis: the event index, its identifiers, captures and captured events; an import names its exporter's event

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

The index is filled from the log by the server (traceability.epcis.export), not here: a
migration stays quick on a season's database, and the server answers 503 while it reads.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("epcis_event_id", sa.String(length=255), nullable=True))
    cursor = op.create_table(
        "epcis_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("next_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(cursor, [{"id": 1, "next_index": 0}])
    op.create_table(
        "epcis_epc",
        sa.Column("ledger_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("uri", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.PrimaryKeyConstraint("ledger_index", "uri", "kind"),
    )
    with op.batch_alter_table("epcis_epc", schema=None) as batch_op:
        batch_op.create_index("ix_epcis_epc_lot", ["lot_id"], unique=False)
        batch_op.create_index("ix_epcis_epc_uri", ["uri"], unique=False)

    op.create_table(
        "epcis_event",
        sa.Column("ledger_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("content_hash", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("biz_step", sa.String(length=255), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("counterparty_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("leaf_hash", sqlmodel.sql.sqltypes.AutoString(length=44), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("ledger_index"),
        sa.UniqueConstraint("content_hash"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("epcis_event", schema=None) as batch_op:
        batch_op.create_index("ix_epcis_event_counterparty_index", ["counterparty_id", "ledger_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_event_event_time"), ["event_time"], unique=False)
        batch_op.create_index("ix_epcis_event_party_index", ["party_id", "ledger_index"], unique=False)
        batch_op.create_index("ix_epcis_event_step_index", ["biz_step", "ledger_index"], unique=False)
        batch_op.create_index("ix_epcis_event_type_index", ["event_type", "ledger_index"], unique=False)

    op.create_table(
        "epcis_capture",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("behaviour", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("epcis_capture", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_capture_party_id"), ["party_id"], unique=False)

    op.create_table(
        "epcis_captured",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("capture_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("biz_step", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["epcis_capture.id"],
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("epcis_captured", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_captured_capture_id"), ["capture_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_captured_ledger_index"), ["ledger_index"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("epcis_captured", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_captured_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_epcis_captured_capture_id"))

    op.drop_table("epcis_captured")
    with op.batch_alter_table("epcis_capture", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_capture_party_id"))

    op.drop_table("epcis_capture")
    with op.batch_alter_table("epcis_event", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_event_type_index")
        batch_op.drop_index("ix_epcis_event_step_index")
        batch_op.drop_index("ix_epcis_event_party_index")
        batch_op.drop_index(batch_op.f("ix_epcis_event_event_time"))
        batch_op.drop_index("ix_epcis_event_counterparty_index")

    op.drop_table("epcis_event")
    with op.batch_alter_table("epcis_epc", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_epc_uri")
        batch_op.drop_index("ix_epcis_epc_lot")

    op.drop_table("epcis_epc")
    op.drop_table("epcis_cursor")
    with op.batch_alter_table("import", schema=None) as batch_op:
        batch_op.drop_column("epcis_event_id")
