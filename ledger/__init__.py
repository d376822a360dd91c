"""The Merkle ledger: an RFC 9162 transparency log with C2SP checkpoints and tiles.

Pure functions over bytes with explicit index and size; standard library,
``cryptography`` and ``rfc8785`` only. Storage sits behind ``LogStore``.
"""

from ledger.bundle import (
    BundleReport,
    BundleRule,
    CheckpointSummary,
    Failure,
    Record,
    RecordRule,
    Subject,
    check_consistency,
    open_saved_checkpoint,
    verify_bundle,
)
from ledger.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint
from ledger.entry import canonical_json, entry_leaf_hash, make_entry, new_nonce
from ledger.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from ledger.note import InvalidNote, Signer, Verifier, open_note, sign_note
from ledger.store import LogStore, MemoryStore
from ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    encode_tile_index,
    parse_tile_path,
    read_tile,
    tile_node_ids,
    tile_nodes,
    tile_path,
    tile_width,
)
from ledger.tree import (
    NodeID,
    NodeReader,
    append_leaf,
    consistency_plan,
    consistency_proof,
    frontier_root,
    inclusion_plan,
    inclusion_proof,
    root,
    root_plan,
)
from ledger.verify import (
    InvalidProof,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "BundleReport",
    "BundleRule",
    "Checkpoint",
    "CheckpointSummary",
    "Failure",
    "InvalidNote",
    "InvalidProof",
    "LogStore",
    "MemoryStore",
    "NodeID",
    "NodeReader",
    "Record",
    "RecordRule",
    "Signer",
    "Subject",
    "Verifier",
    "append_leaf",
    "canonical_json",
    "check_consistency",
    "consistency_plan",
    "consistency_proof",
    "encode_tile_index",
    "entry_leaf_hash",
    "frontier_root",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_hash",
    "make_entry",
    "new_nonce",
    "node_hash",
    "open_note",
    "open_saved_checkpoint",
    "parse_tile_path",
    "read_tile",
    "root",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_plan",
    "sign_checkpoint",
    "sign_note",
    "tile_node_ids",
    "tile_nodes",
    "tile_path",
    "tile_width",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
