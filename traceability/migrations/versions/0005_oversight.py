"""oversight

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_acknowledgement",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("regulator_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
        ),
        sa.ForeignKeyConstraint(
            ["regulator_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id"),
    )
    with op.batch_alter_table("alert_acknowledgement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_acknowledgement_ledger_index"), ["ledger_index"], unique=True)

    op.create_table(
        "inspection",
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_nonce", sa.String(length=32), nullable=True),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("inspector_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["party.id"],
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_ledger_index"), ["ledger_index"], unique=True)
        batch_op.create_index(batch_op.f("ix_inspection_party_id"), ["party_id"], unique=False)

    op.create_table(
        "origin_claim",
        sa.Column("batch_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("processor_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("claimed_g", sa.BigInteger(), nullable=False),
        sa.Column("capacity_g", sa.BigInteger(), nullable=False),
        sa.Column("first_lot_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["processor_id"],
            ["party.id"],
        ),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    with op.batch_alter_table("origin_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_claim_processor_id"), ["processor_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("origin_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_claim_processor_id"))

    op.drop_table("origin_claim")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_party_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_ledger_index"))

    op.drop_table("inspection")
    with op.batch_alter_table("alert_acknowledgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_acknowledgement_ledger_index"))

    op.drop_table("alert_acknowledgement")
