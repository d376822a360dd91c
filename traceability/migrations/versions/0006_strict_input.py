"""strict input: optional harvest moisture, farm-input product names, one party per GS1 prefix

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("harvest", schema=None) as batch_op:
        batch_op.alter_column("moisture_pct", existing_type=sa.String(length=8), nullable=True)
    with op.batch_alter_table("farm_input", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_name", sa.Text(), nullable=True))
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_gs1_company_prefix"), ["gs1_company_prefix"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_gs1_company_prefix"))
    with op.batch_alter_table("farm_input", schema=None) as batch_op:
        batch_op.drop_column("product_name")
    with op.batch_alter_table("harvest", schema=None) as batch_op:
        batch_op.alter_column("moisture_pct", existing_type=sa.String(length=8), nullable=False)
