"""How a trace reads (SPEC §6.5): a lot's graph one step back or one step forward, and the next."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..units import KgOut


class Direction(StrEnum):
    backward = "backward"  # every lot this lot was made from
    forward = "forward"  # every lot any part of this lot went into


class CreatedBy(BaseModel):
    type: str = Field(description="the record that made the lot: harvest, import, split or batch")
    id: str


class TraceNode(BaseModel):
    lot_id: str
    product: str
    grade: str | None
    quantity_kg: KgOut = Field(description="what the lot holds now (0 once used up)")
    holder_id: str | None = Field(description="the party holding the lot now; null in a farmer's view of others' lots")
    status: str = Field(description="held, in_transit, consumed, shipped…")
    generation: int = Field(description="steps from the traced lot along the trace's direction (0: the lot itself)")
    created_by: CreatedBy


class LineageEdge(BaseModel):
    """A lot made (in part) from another: ``from`` is the parent lot, ``to`` the lot made from it."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="the parent lot")
    to: str = Field(description="the lot made from it (its `created_by` is the split or batch)")
    kind: Literal["split", "batch"]
    quantity_kg: KgOut = Field(
        description="what the split or batch drew from the parent (a batch draws once for all its outputs)"
    )


class DispatchEdge(BaseModel):
    """A lot moving between parties: no new lot, so ``from`` and ``to`` are the same lot id."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="the lot that travelled")
    to: str = Field(description="the same lot")
    kind: Literal["dispatch"]
    quantity_kg: KgOut = Field(description="what was sent")
    received_kg: KgOut | None = Field(description="what the recipient weighed in; null until received")
    transfer_id: str
    from_party_id: str | None = Field(description="the sender; null in a farmer's view of a move between others")
    to_party_id: str | None = Field(description="the recipient; null in a farmer's view of a move between others")
    status: str = Field(description="in_transit, received or cancelled")


TraceEdge = Annotated[LineageEdge | DispatchEdge, Field(discriminator="kind")]


class TraceShipment(BaseModel):
    id: str
    shipped_on: date
    container_no: str
    port_of_loading: str
    destination_country: str
    lot_ids: list[str] = Field(description="the lots of this trace in the container")
    shipper_id: str | None = Field(description="the party that shipped it; null in a farmer's view")


class TraceLabel(BaseModel):
    lot_id: str
    gtin: str
    uri: str = Field(description="the GS1 Digital Link URI in the carton's QR code (the buyer's page)")


class TraceRead(BaseModel):
    lot_id: str
    direction: Direction
    nodes: list[TraceNode] = Field(description="the lot first, then the others by generation")
    edges: list[TraceEdge] = Field(description="splits and batches by generation, then dispatches in ledger order")
    shipments: list[TraceShipment]
    labels: list[TraceLabel]
