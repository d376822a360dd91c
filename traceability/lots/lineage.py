"""A lot's lineage: every lot it was made from, through any depth of splits and batches;
and its descent: every lot made from it.

The walk reads ``lot_parent`` one *generation* at a time (one query for all the
lots of a generation, not one per lot), so a kernel lot made from hundreds of
harvests costs a handful of queries. Shares follow the rule by which lots are
made (``operations.blend``): a lot made from parents takes from each the
fraction of mass it drew from it, so a root's share of the lot is the sum,
over every path, of the product of those fractions.
"""

from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from ..errors import NotFound
from .models import Lot, LotParent

IN_CHUNK = 5000  # bound the parameters of one IN (...) list; SQLite allows 32,766


@dataclass(frozen=True)
class LineageLot:
    """One lot of a lineage, with the share of the lineage's lot that comes from it."""

    lot_id: str
    product: str
    grade: str | None
    owner_id: str
    created_by_type: str  # harvest, import, split, batch
    created_by_id: str
    produced_on: date
    generation: int  # 0 for the lot itself, 1 for its parents… (the shortest path)
    share: float = 0.0

    @property
    def created_by(self) -> tuple[str, str]:
        return self.created_by_type, self.created_by_id


@dataclass(frozen=True)
class Link:
    """``lot_id`` was made (in part) from ``quantity_g`` of ``parent_lot_id``."""

    lot_id: str
    parent_lot_id: str
    quantity_g: int


@dataclass(frozen=True)
class Root:
    """A lot without parents (created by a harvest or an import) that the lineage's lot comes from.

    ``share`` is the fraction of the lot's mass that comes from it (the roots' shares sum to 1);
    ``drawn_g`` is the mass taken from it by the steps that lead to the lot (0 for the lot itself
    when it has no parents).
    """

    lot: LineageLot
    share: float
    drawn_g: int


@dataclass(frozen=True)
class Lineage:
    lot: LineageLot
    ancestors: dict[str, LineageLot]  # every lot the lot was made from, by id (the lot itself excluded)
    links: list[Link]
    roots: list[Root] = field(default_factory=list)

    def lots(self) -> Iterator[LineageLot]:
        """The lot, then its ancestors by generation."""
        yield self.lot
        yield from sorted(self.ancestors.values(), key=lambda a: (a.generation, a.lot_id))

    def records(self) -> set[tuple[str, str]]:
        """The (entry type, record id) of every record that created a lot of the lineage."""
        return {lot.created_by for lot in self.lots()}

    def nearest(self, created_by_type: str) -> LineageLot | None:
        """The closest lot of the lineage (the lot itself first) created by that kind of entry."""
        return next((lot for lot in self.lots() if lot.created_by_type == created_by_type), None)

    def inputs_of(self, product: str) -> list[LineageLot]:
        """The lots of ``product`` that were made into another product on the way to the lot.

        For raw nuts these are the lots as they went into the factory (their cutting
        tests are the lot's outturn). The lot itself, if it is of that product, is one.
        """
        by_id = {lot.lot_id: lot for lot in self.lots()}
        found = {
            link.parent_lot_id
            for link in self.links
            if by_id[link.parent_lot_id].product == product and by_id[link.lot_id].product != product
        }
        if self.lot.product == product:
            found.add(self.lot.lot_id)
        return sorted((by_id[lot_id] for lot_id in found), key=lambda a: (a.generation, a.lot_id))


_COLUMNS = (
    col(Lot.lot_id),
    col(Lot.product),
    col(Lot.grade),
    col(Lot.owner_id),
    col(Lot.created_by_type),
    col(Lot.created_by_id),
    col(Lot.produced_on),
)
_LotRow = tuple[str, str, str | None, str, str, str, date]  # one lot, as _COLUMNS reads it


def ancestry(session: Session, lot_id: str) -> Lineage:
    """The lot's lineage: all its ancestor lots, the links between them, and its roots with their shares.

    Raises NotFound for an unknown lot. Costs one query for the lot and one per generation.
    """
    lot, found, links = _walk(session, lot_id, forward=False)
    shares = _shares(lot_id, links)
    lot = _with_share(lot, shares)
    ancestors = {k: _with_share(v, shares) for k, v in found.items()}
    return Lineage(lot=lot, ancestors=ancestors, links=links, roots=_roots(lot, ancestors, links))


@dataclass(frozen=True)
class Descent:
    """Every lot made from ``lot`` (any part of it), through any depth: one step forward, and the next."""

    lot: LineageLot
    descendants: dict[str, LineageLot]  # by id (the lot itself excluded); ``generation`` counts steps
    links: list[Link]  # ``lot_id`` was made from ``quantity_g`` of ``parent_lot_id``

    def lots(self) -> Iterator[LineageLot]:
        """The lot, then its descendants by generation."""
        yield self.lot
        yield from sorted(self.descendants.values(), key=lambda d: (d.generation, d.lot_id))


def descent(session: Session, lot_id: str) -> Descent:
    """The lot and every lot made from it, with the links between them.

    Raises NotFound for an unknown lot. Costs one query for the lot and one per generation
    (``lot_parent`` read by its parent index), like ``ancestry``.
    """
    lot, found, links = _walk(session, lot_id, forward=True)
    return Descent(lot=lot, descendants=found, links=links)


def _walk(session: Session, lot_id: str, *, forward: bool) -> tuple[LineageLot, dict[str, LineageLot], list[Link]]:
    """The lot, the lots one generation at a time away from it (its children, or its parents), and
    the links met on the way. NotFound for an unknown lot."""
    row: _LotRow | None = session.execute(select(*_COLUMNS).where(col(Lot.lot_id) == lot_id)).first()
    if row is None:
        raise NotFound(f"no lot {lot_id!r}")
    found: dict[str, LineageLot] = {}
    links: list[Link] = []
    frontier, generation = [lot_id], 0
    while frontier:
        generation += 1
        next_frontier = []
        for link, other in _step(session, frontier, forward=forward):
            links.append(link)
            reached = link.lot_id if forward else link.parent_lot_id
            if reached != lot_id and reached not in found:
                found[reached] = LineageLot(*other, generation=generation)
                next_frontier.append(reached)
        frontier = next_frontier
    return LineageLot(*row, generation=0), found, links


def _step(session: Session, lot_ids: list[str], *, forward: bool) -> Iterable[tuple[Link, _LotRow]]:
    """The links from ``lot_ids`` to their children (``forward``) or parents, with the lot at the other end."""
    near, far = (
        (col(LotParent.parent_lot_id), col(LotParent.lot_id))
        if forward
        else (
            col(LotParent.lot_id),
            col(LotParent.parent_lot_id),
        )
    )
    for start in range(0, len(lot_ids), IN_CHUNK):
        chunk = lot_ids[start : start + IN_CHUNK]
        stmt = (
            select(col(LotParent.lot_id), col(LotParent.parent_lot_id), col(LotParent.quantity_g), *_COLUMNS)
            .join(Lot, col(Lot.lot_id) == far)
            .where(near.in_(chunk))
        )
        for child_id, parent_id, quantity_g, *other in session.execute(stmt).all():
            yield Link(child_id, parent_id, int(quantity_g)), tuple(other)


def _shares(lot_id: str, links: list[Link]) -> dict[str, float]:
    """Share of the lot coming from each lineage lot, children before parents (Kahn's order).

    A lineage is a DAG (a lot is made after its parents); a lot reached by several
    paths (a split whose parts meet again) gets the sum over the paths.
    """
    parents: dict[str, list[Link]] = defaultdict(list)
    waiting: Counter[str] = Counter()  # children of a lot not yet propagated
    for link in links:
        parents[link.lot_id].append(link)
        waiting[link.parent_lot_id] += 1
    shares: dict[str, float] = defaultdict(float, {lot_id: 1.0})
    ready = deque([lot_id])
    while ready:
        child = ready.popleft()
        total = sum(link.quantity_g for link in parents[child])
        for link in parents[child]:
            if total:
                shares[link.parent_lot_id] += shares[child] * link.quantity_g / total
            waiting[link.parent_lot_id] -= 1
            if waiting[link.parent_lot_id] == 0:
                ready.append(link.parent_lot_id)
    return shares


def _with_share(lot: LineageLot, shares: dict[str, float]) -> LineageLot:
    return replace(lot, share=shares.get(lot.lot_id, 0.0))


def _roots(lot: LineageLot, ancestors: dict[str, LineageLot], links: list[Link]) -> list[Root]:
    """Lots without parents; what each gave is counted once per step that drew from it
    (a batch links each of its outputs to the same inputs with the same quantity)."""
    with_parents = {link.lot_id for link in links}
    by_id = {lot.lot_id: lot} | ancestors
    drawn: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for link in links:
        drawn[link.parent_lot_id][by_id[link.lot_id].created_by] = link.quantity_g
    roots = [
        Root(lot=a, share=a.share, drawn_g=sum(drawn[a.lot_id].values()))
        for a in by_id.values()
        if a.lot_id not in with_parents
    ]
    return sorted(roots, key=lambda r: (-r.share, r.lot.lot_id))


__all__ = ["Descent", "Lineage", "LineageLot", "Link", "Root", "ancestry", "descent"]
