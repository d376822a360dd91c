"""Checkpoint links: each stored checkpoint signed together with the one stored before it.

``SqlLog.sign`` links every checkpoint it stores. ``link_legacy_checkpoints`` links the
ones stored before links existed, once, when the server starts; ``LinkCheck`` is the
audit's side (step 4, SPEC §8.3): fed the stored checkpoints in size order, it names
each one that does not follow the one stored before it.

Which unlinked checkpoints are signed: only the *legacy prefix*, the checkpoints below
the smallest linked one (all of them if none is linked). Every checkpoint signed since
the upgrade is linked when it is stored, so a missing link above a linked checkpoint
was removed; signing it again would hide a checkpoint removed under it, so it stays
missing, and reported.
"""

import logging
from collections.abc import Iterator
from itertools import takewhile
from typing import NamedTuple

from sqlalchemy import Engine, select, update

from ledger.checkpoint import Checkpoint, InvalidNote, Signer, Verifier, sign_link, verify_link

from ..db import unit_of_work
from .models import LedgerCheckpoint

CHUNK = 1000  # checkpoints linked per transaction
log = logging.getLogger("cashew.ledger")
_checkpoint = LedgerCheckpoint.metadata.tables[LedgerCheckpoint.__tablename__]


def link_legacy_checkpoints(engine: Engine, signer: Signer, *, chunk: int = CHUNK) -> int:
    """Link the legacy prefix (the checkpoints stored before links existed), one transaction per
    ``chunk`` checkpoints, in size order; return how many were linked."""
    previous: Checkpoint | None = None
    after, linked = -1, 0
    while True:
        with unit_of_work(engine) as session:
            conn = session.connection()
            rows = conn.execute(
                select(_checkpoint.c.size, _checkpoint.c.root_hash, _checkpoint.c.link)
                .where(_checkpoint.c.size > after)
                .order_by(_checkpoint.c.size)
                .limit(chunk)
            ).all()
            prefix = list(takewhile(lambda row: row.link is None, rows))  # up to the first linked one
            for size, root_hash, _ in prefix:
                checkpoint = Checkpoint(signer.name, size, bytes(root_hash))
                value = sign_link(previous, checkpoint, signer)
                conn.execute(update(_checkpoint).where(_checkpoint.c.size == size).values(link=value))
                previous, after = checkpoint, size
        linked += len(prefix)
        if len(prefix) < chunk:
            break
    if linked:
        log.warning("linked %d checkpoints stored before checkpoint links existed (sizes up to %d)", linked, after)
    return linked


class BrokenLink(NamedTuple):
    """A checkpoint (by size) that does not follow the one stored before it, and why."""

    size: int
    problem: str


class LinkCheck:
    """Checks the links of the stored checkpoints, fed in size order.

    A run of consecutive unlinked checkpoints is one finding (a legacy database holds one
    checkpoint per write it ever made).
    """

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier
        self.previous: Checkpoint | None = None
        self.linked = False  # a linked checkpoint came before
        self._run: tuple[int, int, int] | None = None  # (first size, last size, count) of unlinked ones in a row

    def add(self, size: int, root_hash: bytes, link: bytes | None) -> Iterator[BrokenLink]:
        """The findings up to the checkpoint stored as ``size``, ``root_hash`` and ``link``."""
        checkpoint = Checkpoint(self.verifier.name, size, root_hash)
        previous, self.previous = self.previous, checkpoint
        if link is None:
            self._run = (size, size, 1) if self._run is None else (self._run[0], size, self._run[2] + 1)
            return
        yield from self._end_run(last=False)
        self.linked = True
        try:
            verify_link(bytes(link), previous, checkpoint, self.verifier)
        except InvalidNote:
            yield BrokenLink(size, _gap(size, previous))

    def finish(self) -> Iterator[BrokenLink]:
        """The findings left once every checkpoint was fed."""
        yield from self._end_run(last=True)

    def _end_run(self, *, last: bool) -> Iterator[BrokenLink]:
        if self._run is None:
            return
        (first, end, count), self._run = self._run, None
        what = f"checkpoint at size {first} is" if count == 1 else f"the {count} checkpoints at sizes {first}–{end} are"
        if self.linked:
            why = "a link was removed (every checkpoint stored after a linked one is linked when it is stored)"
        elif last:
            why = (
                "no stored checkpoint is linked; start the server once and it links the checkpoints stored "
                "before links existed (if it has run since the upgrade, the links were removed)"
            )
        else:
            why = "stored before links existed; start the server once and it links them"
        yield BrokenLink(first, f"{what} not linked to the checkpoint stored before it: {why}")


def _gap(size: int, previous: Checkpoint | None) -> str:
    if previous is None:
        return (
            f"checkpoint at size {size} does not follow the one stored before it (none: it is the first stored): "
            "a checkpoint before it was removed, or this one rewritten"
        )
    return (
        f"checkpoint at size {size} does not follow the one stored before it (size {previous.size}): "
        "a checkpoint between them was removed, or this one rewritten"
    )
