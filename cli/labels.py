"""``cashew labels LOT_ID… --out FILE.pdf``: a sheet of labels, printed straight from the database.

The printer is the party holding the lots (all of them must be held by one party); a
lot's first printing writes its ``label`` entry, exactly as the API's label endpoints do.
"""

from collections.abc import Sequence
from pathlib import Path

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from traceability.labels.service import LabelData
from traceability.settings import Settings, get_settings

USAGE_ERROR = 2


def _fail(message: str) -> int:
    typer.echo(f"error: {message}", err=True)
    return USAGE_ERROR


def print_labels(lot_ids: Sequence[str], *, out: Path, sheet: str) -> int:
    """Write a PDF sheet of the lots' labels to ``out``; the exit code (0 done, 2 refused).

    The ``label`` entries are committed before the PDF is drawn (the ledger's write lock is
    not held while rendering); should the file then fail to be written, a rerun prints the
    same labels and writes nothing more.
    """
    from traceability.errors import DomainError
    from traceability.labels import render

    if sheet not in render.SHEETS:
        return _fail(f"unknown sheet format {sheet!r}; use one of {', '.join(render.SHEETS)}")
    settings = get_settings()
    try:
        labels, holder = _record(lot_ids, settings)
    except DomainError as exc:
        return _fail(exc.detail)
    except (OperationalError, ProgrammingError) as exc:
        return _fail(f"the database at {settings.database_url} is not ready ({exc.orig}); run `cashew db upgrade`")
    except OSError as exc:
        return _fail(f"cannot open the ledger's signing key {settings.log_key_file}: {exc.strerror or exc}")
    try:
        out.write_bytes(render.labels_pdf(labels, sheet=sheet))
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror or exc}")
    lots = len({d.lot_id for d in labels})
    first = len({d.lot_id for d in labels if d.first_print})
    typer.echo(
        f"{_count(len(labels), 'label')} for {_count(lots, 'lot')} of {holder} written to {out} ({sheet}); "
        f"{_count(first, 'first printing')} recorded in the ledger"
    )
    return 0


def _record(lot_ids: Sequence[str], settings: Settings) -> tuple[list[LabelData], str]:
    """The labels' data, and the ``label`` entries of first printings, committed; with the holder's name."""
    from traceability.anchoring import SqlLog, anchoring_info, load_or_create_signer
    from traceability.db import make_engine, unit_of_work
    from traceability.labels import service

    wanted = service.sheet_lot_ids(",".join(lot_ids))
    signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(engine, info=anchoring_info(signer)) as session:
            SqlLog(session.connection()).lock()  # serialised with the API's writers, as every write is
            holder = service.holder_of(session, wanted)
            labels = service.labels_data(session, party=holder, lot_ids=wanted, base_url=settings.public_base_url)
            return labels, holder.name
    finally:
        engine.dispose()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
