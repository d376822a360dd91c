"""The index kept level with the log before each EPCIS answer.

A few entries behind (the writes since the last query) are read in the caller's request; a
log far ahead of its index (a database from before the EPCIS interface, a season loaded in
bulk) is read by one thread of the process in the background, while queries are answered
503 with ``Retry-After`` rather than kept waiting for minutes.
"""

import logging
import threading

from sqlalchemy import Engine

from ..db import open_session
from ..errors import Unavailable
from .export import behind, catch_up

LAG_LIMIT = 20_000  # entries read inside a request at most (a second or two)
log = logging.getLogger("cashew.epcis")
_readers: dict[int, threading.Thread] = {}
_lock = threading.Lock()


def ready(engine: Engine, base_url: str) -> None:
    """Return once the index covers the log; raise ``Unavailable`` while a long catch-up runs."""
    with open_session(engine) as session:
        lag = behind(session)
    if lag == 0:
        return
    with _lock:
        reader = _readers.get(id(engine))
        running = reader is not None and reader.is_alive()
        if lag > LAG_LIMIT and not running:
            reader = threading.Thread(target=_read_all, args=(engine, base_url), name="epcis-index", daemon=True)
            _readers[id(engine)] = reader
            reader.start()
            running = True
    if running:
        raise Unavailable(
            f"the EPCIS interface is reading the ledger into its index ({lag:,} entries to go); retry shortly",
            retry_after=30,
            code="indexing",
        )
    catch_up(engine, base_url)


def _read_all(engine: Engine, base_url: str) -> None:
    try:
        read = catch_up(engine, base_url)
        log.info("EPCIS index: read %d ledger entries", read)
    except Exception:  # the next query starts another reader
        log.exception("EPCIS index: reading the ledger failed")
