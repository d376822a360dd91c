"""Every table, imported in one place for Alembic and for creating test schemas."""

from sqlmodel import SQLModel

from .anchoring.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode
from .corrections.models import Correction
from .idempotency.models import IdempotencyRecord
from .lots.models import Lot, LotOrigin, LotParent
from .oversight.models import Alert
from .parties.models import ApiKey, Party
from .production.models import Certification, Farm, FarmInput, Harvest

metadata = SQLModel.metadata

__all__ = [
    "Alert", "ApiKey", "Certification", "Correction", "Farm", "FarmInput", "Harvest", "IdempotencyRecord",
    "LedgerCheckpoint", "LedgerEntry", "LedgerHead", "LedgerNode", "Lot", "LotOrigin", "LotParent", "Party",
    "metadata",
]
