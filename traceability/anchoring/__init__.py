"""Anchoring records in the ledger: tables, SQL store, the flush hook, the signing key."""

from .anchor import Anchored, anchoring_info, text_sha256
from .keys import load_or_create_signer
from .store import LedgerCorrupted, SqlLog

__all__ = ["Anchored", "LedgerCorrupted", "SqlLog", "anchoring_info", "load_or_create_signer", "text_sha256"]
