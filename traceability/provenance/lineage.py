"""Lineage of a lot, read from ledger entries alone: is it closed, rooted, and does mass add up?

Four entry types make lots (SPEC §5.2): ``harvest`` and ``import`` create a lot
from nothing before it (a farm, a country); ``split`` takes ``quantity_g`` of
the lot ``lot_id`` into ``new_lot_id``; ``batch`` turns its ``inputs`` lots into
its ``outputs`` lots, with ``loss_g`` (default 0) lost on the way. Every other
type makes no lot and is ignored here. This module knows nothing of proofs or
bundles: it judges a set of entries that someone else has proven.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "LINEAGE_TYPES",
    "LineageProblem",
    "Step",
    "check_closure",
    "check_lineage",
    "check_mass",
    "read_step",
]

LINEAGE_TYPES = frozenset({"harvest", "import", "split", "batch"})
"""Entry types that create lots."""


@dataclass(frozen=True)
class LineageProblem:
    """One thing wrong with the lineage.

    ``entry`` is the position, in the sequence given, of the entry at fault;
    None when the fault is the lot's own (nothing produces it).
    """

    check: Literal["lineage", "mass", "format"]
    entry: int | None
    reason: str


@dataclass(frozen=True)
class Step:
    """What one lineage entry does to lots: what it consumes and produces, in grams."""

    type: str
    id: str
    consumes: tuple[tuple[str, int], ...]
    produces: tuple[tuple[str, int], ...]
    loss_g: int = 0


def read_step(entry: Mapping[str, Any]) -> Step | None:
    """The Step of a lineage entry, None for an entry of any other type.

    Requires ``entry`` to hold a string ``type`` and ``id`` and a mapping ``data``.
    Raises ValueError, with a sentence saying what is wrong, when a lineage
    entry's data lacks a key or has a value of the wrong kind.
    """
    kind, data = entry["type"], entry["data"]
    if kind not in LINEAGE_TYPES:
        return None
    if kind in ("harvest", "import"):
        produces = ((_lot(data, "lot_id"), _grams(data, "quantity_g")),)
        return Step(kind, entry["id"], (), produces)
    if kind == "split":
        quantity = _grams(data, "quantity_g")
        return Step(kind, entry["id"], ((_lot(data, "lot_id"), quantity),), ((_lot(data, "new_lot_id"), quantity),))
    inputs, outputs = _parts(data, "inputs"), _parts(data, "outputs")
    if not inputs:
        raise ValueError("a batch must consume at least one lot, but its inputs are empty")
    loss = _grams(data, "loss_g") if "loss_g" in data else 0
    return Step(kind, entry["id"], inputs, outputs, loss)


def check_lineage(lot_id: str, entries: Sequence[Mapping[str, Any]]) -> list[LineageProblem]:
    """Every problem of the lineage of ``lot_id`` in ``entries``: format, closure, then mass.

    Requires each entry to hold a string ``type`` and ``id`` and a mapping
    ``data`` (``ledger.bundle`` checks that first). Entries whose lineage data
    is malformed are reported once, as "format", and left out of the rest.
    """
    problems: list[LineageProblem] = []
    steps: list[Step | None] = []
    for position, entry in enumerate(entries):
        try:
            steps.append(read_step(entry))
        except ValueError as exc:
            problems.append(LineageProblem("format", position, f"its {entry['type']} data is malformed: {exc}"))
            steps.append(None)
    return problems + check_closure(lot_id, steps) + check_mass(steps)


def check_closure(lot_id: str, steps: Sequence[Step | None]) -> list[LineageProblem]:
    """Closure (SPEC §5.6, check 3), with each problem at the position of its step.

    ``lot_id`` must be produced by a step; every lot a split or batch consumes
    must be produced by another; no lot is produced twice; and following
    parents from any lot must end at harvests and imports, never loop back.
    """
    producer: dict[str, int] = {}
    problems: list[LineageProblem] = []
    for position, step in enumerate(steps):
        for lot, _ in step.produces if step else ():
            if lot in producer:
                first = steps[producer[lot]]
                assert first is not None
                problems.append(
                    LineageProblem(
                        "lineage",
                        position,
                        (
                            f"it produces lot {lot}, which {first.type} {first.id} already produces: "
                            "a lot is made once, so one of the two records is false"
                        ),
                    )
                )
            else:
                producer[lot] = position
    if lot_id not in producer:
        problems.append(
            LineageProblem(
                "lineage",
                None,
                (
                    f"no record in the bundle produces lot {lot_id} itself (a harvest, import, split or batch output): "
                    "its origin cannot be checked"
                ),
            )
        )
    for position, step in enumerate(steps):
        for lot in sorted({lot for lot, _ in step.consumes} if step else ()):
            if lot not in producer:
                problems.append(
                    LineageProblem(
                        "lineage",
                        position,
                        (
                            f"it consumes lot {lot}, but no well-formed record in the bundle produces that lot: the "
                            "record of where it came from is missing, so the lineage is not closed"
                        ),
                    )
                )
    return problems + _loops(steps, producer)


def check_mass(steps: Sequence[Step | None]) -> list[LineageProblem]:
    """Conservation (SPEC §5.6, check 4): each batch's outputs plus its loss weigh at most its inputs."""
    problems = []
    for position, step in enumerate(steps):
        if step is None or step.type != "batch":
            continue
        consumed = sum(g for _, g in step.consumes)
        produced = sum(g for _, g in step.produces)
        if produced + step.loss_g > consumed:
            problems.append(
                LineageProblem(
                    "mass",
                    position,
                    (
                        f"its outputs ({_kg(produced)}) plus its stated loss ({_kg(step.loss_g)}) weigh "
                        f"{_kg(produced + step.loss_g - consumed)} more than its inputs ({_kg(consumed)}): "
                        "mass was created, so part of what it claims to produce came from somewhere else"
                    ),
                )
            )
    return problems


def _loops(steps: Sequence[Step | None], producer: Mapping[str, int]) -> list[LineageProblem]:
    """Problems for lots whose ancestry, through splits and batches, comes back to the lot itself."""
    done: set[str] = set()
    reported: set[int] = set()
    problems: list[LineageProblem] = []
    for start in sorted(producer):
        path: list[str] = []
        stack: list[tuple[str, bool]] = [(start, False)]
        on_path: set[str] = set()
        while stack:
            lot, leaving = stack.pop()
            if leaving:
                on_path.discard(lot)
                path.pop()
                done.add(lot)
                continue
            if lot in done or lot not in producer:
                continue
            if lot in on_path:
                position = producer[lot]
                if position not in reported:
                    reported.add(position)
                    cycle = " ← ".join([*path[path.index(lot) :], lot])
                    problems.append(
                        LineageProblem(
                            "lineage",
                            position,
                            (
                                f"lot {lot} is made from itself ({cycle}): its lineage loops and never reaches "
                                "a harvest or an import"
                            ),
                        )
                    )
                continue
            on_path.add(lot)
            path.append(lot)
            stack.append((lot, True))
            step = steps[producer[lot]]
            stack.extend((parent, False) for parent, _ in (step.consumes if step else ()))
    return problems


def _lot(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a lot id (a non-empty string), got {value!r}")
    return value


def _grams(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a whole number of grams, 0 or more, got {value!r}")
    return value


def _parts(data: Mapping[str, Any], key: str) -> tuple[tuple[str, int], ...]:
    items = data.get(key)
    if not isinstance(items, list):
        raise ValueError(f"{key} must be a list of {{lot_id, quantity_g}}, got {items!r}")
    parts = []
    for n, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ValueError(f"{key}[{n}] must be an object with lot_id and quantity_g, got {item!r}")
        try:
            parts.append((_lot(item, "lot_id"), _grams(item, "quantity_g")))
        except ValueError as exc:
            raise ValueError(f"{key}[{n}]: {exc}") from None
    return tuple(parts)


def _kg(grams: int) -> str:
    kg, g = divmod(grams, 1000)
    return f"{kg:,}.{g:03d} kg" if g else f"{kg:,} kg"
