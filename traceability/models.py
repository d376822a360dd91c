"""Every table, imported in one place for Alembic and for creating test schemas."""

from sqlmodel import SQLModel

from .alerts.models import Alert
from .anchoring.models import LedgerCheckpoint, LedgerEdge, LedgerEntry, LedgerHead, LedgerTile
from .anchoring.witnesses import LedgerCosignature
from .corrections.models import Correction
from .epcis.models import CapturedEvent, EpcisCapture, EpcisCursor, EpcisEpc, EpcisEvent
from .idempotency.models import IdempotencyRecord
from .labels.models import Label, TradeItem
from .lots.models import Lot, LotOrigin, LotParent
from .oversight.models import Acknowledgement, Inspection, Recall, RecallLot
from .parties.models import ApiKey, Party
from .processing.models import Batch, Import, OriginClaim, QualityTest, Receipt, Split, Transfer, TransferCancel
from .production.models import Certification, Farm, FarmInput, Harvest
from .trade.models import Contract, Listing, Offer, Shipment, ShipmentLot

metadata = SQLModel.metadata

__all__ = [
    "Acknowledgement",
    "Alert",
    "Inspection",
    "Recall",
    "RecallLot",
    "OriginClaim",
    "ApiKey",
    "Certification",
    "Correction",
    "CapturedEvent",
    "EpcisCapture",
    "EpcisCursor",
    "EpcisEpc",
    "EpcisEvent",
    "Farm",
    "FarmInput",
    "Harvest",
    "IdempotencyRecord",
    "Batch",
    "Import",
    "Contract",
    "Listing",
    "Offer",
    "Shipment",
    "ShipmentLot",
    "Label",
    "TradeItem",
    "QualityTest",
    "Receipt",
    "Split",
    "Transfer",
    "TransferCancel",
    "LedgerCheckpoint",
    "LedgerCosignature",
    "LedgerEdge",
    "LedgerEntry",
    "LedgerHead",
    "LedgerTile",
    "Lot",
    "LotOrigin",
    "LotParent",
    "Party",
    "metadata",
]
