"""Reading the public ledger: checkpoints, proofs and tiles against signed sizes."""

import base64
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from ledger import tiles
from ledger.checkpoint import Signer
from ledger.tree import consistency_proof, inclusion_proof

from .. import clock
from ..db import unit_of_work
from ..errors import NotFound, RuleViolation
from .anchor import anchoring_info
from .links import link_legacy_checkpoints
from .models import LedgerCheckpoint
from .store import SqlLog


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def ensure_checkpoint(engine: Engine, signer: Signer) -> LedgerCheckpoint:
    """Make sure a signed checkpoint covers the whole log (also the empty one) before serving, and
    that the checkpoints stored before links existed are linked (``links.link_legacy_checkpoints``)."""
    link_legacy_checkpoints(engine, signer)
    with unit_of_work(engine, info=anchoring_info(signer)) as session:
        return SqlLog(session.connection()).sign(signer, clock.now())


def latest_checkpoint(session: Session) -> LedgerCheckpoint:
    checkpoint = SqlLog(session.connection()).latest_checkpoint()
    if checkpoint is None:
        raise NotFound("the log has no signed checkpoint yet; the server signs one when it starts")
    return checkpoint


def _signed_size(session: Session, size: int, name: str) -> None:
    latest = latest_checkpoint(session).size
    if size > latest:
        raise RuleViolation(f"{name}={size} is beyond the latest checkpoint's size {latest}", code="beyond_checkpoint")


def inclusion(session: Session, *, index: int, size: int) -> dict[str, Any]:
    if not 0 <= index < size:
        raise RuleViolation(
            f"index must satisfy 0 <= index < size (got index={index}, size={size})", code="invalid_range"
        )
    _signed_size(session, size, "size")
    log = SqlLog(session.connection())
    leaf = log.get_nodes([(0, index)])[0]
    return {
        "index": index,
        "size": size,
        "leaf_hash": b64(leaf),
        "proof": [b64(h) for h in inclusion_proof(log, index, size)],
    }


def consistency(session: Session, *, first: int, second: int) -> dict[str, Any]:
    if not 0 <= first <= second:
        raise RuleViolation(f"need 0 <= first <= second (got first={first}, second={second})", code="invalid_range")
    _signed_size(session, second, "second")
    log = SqlLog(session.connection())
    proof = consistency_proof(log, first, second) if 0 < first < second else []
    return {"first": first, "second": second, "proof": [b64(h) for h in proof]}


def tile(session: Session, *, level: str, index_path: str) -> bytes:
    """A C2SP tlog-tiles hash tile (full, or partial with ``.p/W``) within the latest checkpoint."""
    try:
        tile_level, index, width = tiles.parse_tile_path(level, index_path)
    except ValueError as exc:
        raise NotFound(f"not a tile path: {exc}") from None
    available = tiles.tile_width(tile_level, index, latest_checkpoint(session).size)
    wanted = tiles.TILE_WIDTH if width is None else width
    if wanted > available or (width is None and available < tiles.TILE_WIDTH):
        raise NotFound(f"tile {level}/{index_path} is not in the latest checkpoint (it has {available} hashes)")
    tree_level, start, end = tiles.tile_nodes(tile_level, index, wanted)
    return b"".join(SqlLog(session.connection()).nodes_at(tree_level, start, end))
