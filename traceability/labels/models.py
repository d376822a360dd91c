"""GS1 trade items (one GTIN per party, product and grade) and printed labels (SPEC §7)."""

from typing import Any, ClassVar

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ..anchoring import Anchored


class TradeItem(SQLModel, table=True):
    __tablename__ = "trade_item"
    __table_args__ = (UniqueConstraint("party_id", "product", "grade", name="uq_trade_item_party_product_grade"),)

    gtin: str = Field(primary_key=True, max_length=14)
    party_id: str = Field(foreign_key="party.id", index=True, max_length=32)
    product: str = Field(max_length=16)
    grade: str = Field(default="", max_length=16)  # "" for products without a grade


class Label(Anchored, table=True):
    """The first printing of a lot's label; reprints add no entry."""

    __tablename__ = "label"
    entry_type: ClassVar[str] = "label"

    id: str = Field(primary_key=True, max_length=32)
    lot_id: str = Field(foreign_key="lot.lot_id", unique=True, max_length=20)
    gtin: str = Field(foreign_key="trade_item.gtin", index=True, max_length=14)
    uri: str = Field(max_length=300)
    party_id: str = Field(foreign_key="party.id", max_length=32)

    def entry_by(self) -> str:
        return self.party_id

    def entry_data(self) -> dict[str, Any]:
        return {"lot_id": self.lot_id, "gtin": self.gtin, "uri": self.uri}
