"""What every anchoring write answers beside the created object (SPEC §4)."""

from pydantic import BaseModel


class LedgerRef(BaseModel):
    """Where the record's entry sits in the ledger: its index and its leaf hash (base64)."""

    index: int
    leaf_hash: str
