"""`cashew import harvests FILE.csv`: bulk upload through the public API, safe to re-run.

Each row goes to ``POST /api/v1/harvests`` with an ``Idempotency-Key`` made from the
row's content, so running the same file again (after a crash, a lost connection, or
just to be sure) records nothing twice: the API replays its first answer instead.
Exit status: 0 every row created or replayed, 1 some rows refused, 2 usage or I/O
error (bad header, unreadable file, API unreachable, unknown API key).
"""

import csv
import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

REQUIRED = ("farm_id", "harvested_on", "quantity_kg")
OPTIONAL = ("moisture_pct", "notes")
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")  # a decimal point, no thousands separator, no exponent
TRIES = 5
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
RETRY_STATUSES = {429, 500, 502, 503, 504}


class UsageError(Exception):
    """The whole import cannot go on (exit 2)."""


class RowError(Exception):
    """This row cannot be sent as it is (refused without calling the API)."""


@dataclass
class Outcome:
    created: list[int] = field(default_factory=list)
    replayed: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    first_row_by_key: dict[str, int] = field(default_factory=dict)


# --- Reading the file ---------------------------------------------------------------
def read_rows(path: Path) -> list[tuple[int, dict[str, str] | RowError]]:
    """Rows with their row number (the header is row 1), as text or as the reason they are unusable."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(_records(csv.reader(handle)))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read {path}: {exc} (the file must be UTF-8 CSV)") from None


def _records(reader: Any) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing or len(set(header)) != len(header):
        expected = ",".join(REQUIRED + OPTIONAL)
        problem = f"missing column(s) {', '.join(missing)}" if missing else "a column appears twice"
        raise UsageError(f"the header has {problem}; the first line must be: {expected}")
    start = reader.line_num + 1
    for values in reader:
        row, start = start, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue  # blank line
        if len(values) != len(header):
            yield row, RowError(f"has {len(values)} values but the header has {len(header)} columns")
        else:
            yield row, dict(zip(header, values, strict=True))


def _number(record: dict[str, str], name: str) -> Decimal:
    text = record[name].strip()
    if not text:
        raise RowError(f"{name} is empty")
    if not NUMBER.fullmatch(text):
        raise RowError(f"{name} {text!r} is not a number (write it with a decimal point, e.g. 1250.5)")
    return Decimal(text)


def harvest_body(record: dict[str, str]) -> dict[str, Any]:
    """The JSON body for one row; masses and percentages as JSON numbers, as the API wants."""
    for name in ("farm_id", "harvested_on"):
        if not record[name].strip():
            raise RowError(f"{name} is empty")
    body: dict[str, Any] = {
        "farm_id": record["farm_id"].strip(),
        "harvested_on": record["harvested_on"].strip(),
        "quantity_kg": _json_number(_number(record, "quantity_kg")),
    }
    if record.get("moisture_pct", "").strip():
        body["moisture_pct"] = _json_number(_number(record, "moisture_pct"))
    notes = record.get("notes", "").strip()
    if notes:
        body["notes"] = notes
    return body


def _json_number(value: Decimal) -> int | float:
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def idempotency_key(body: dict[str, Any]) -> str:
    """``csv-`` + SHA-256 of the row's canonical content: the same row always gets the same key."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "csv-" + hashlib.sha256(canonical.encode()).hexdigest()


# --- Talking to the API -------------------------------------------------------------
def post_harvest(client: httpx.Client, body: dict[str, Any], *, backoff: float) -> httpx.Response:
    """POST one row; retry connection errors and 5xx with exponential backoff (safe: the key is fixed)."""
    headers = {"Idempotency-Key": idempotency_key(body)}
    for attempt in range(1, TRIES + 1):
        try:
            response = client.post("/api/v1/harvests", json=body, headers=headers)
        except httpx.TransportError as exc:
            if attempt == TRIES:
                raise UsageError(f"the API at {client.base_url} is unreachable after {TRIES} tries: {exc}") from None
        else:
            if response.status_code not in RETRY_STATUSES or attempt == TRIES:
                return response
        time.sleep(backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    reason = f"{body.get('error', f'http_{response.status_code}')}: {body.get('detail', '')}"
    fields = [f"{'.'.join(str(p) for p in f.get('loc', [])[1:])} {f.get('msg', '')}" for f in body.get("fields") or []]
    return reason + (f" ({'; '.join(fields)})" if fields else "")


def _send(client: httpx.Client, row: int, body: dict[str, Any], outcome: Outcome, backoff: float) -> None:
    response = post_harvest(client, body, backoff=backoff)
    same_as = outcome.first_row_by_key.setdefault(idempotency_key(body), row)
    if response.status_code == 401:
        raise UsageError(f"the API refused the token: {_reason(response)}")
    if response.status_code != 201:
        outcome.refused.append((row, _reason(response)))
        return
    if response.headers.get("Idempotent-Replayed", "").lower() == "true":
        outcome.replayed.append(row)
        if same_as != row:
            note = f"same content as row {same_as}, so recorded once (tell two pickings apart in notes)"
            outcome.notes.append((row, note))
        return
    outcome.created.append(row)
    outcome.warnings += [(row, w) for w in response.json().get("warnings", [])]


# --- The command --------------------------------------------------------------------
def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("harvests"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _upload(
    rows: list[tuple[int, dict[str, str] | RowError]],
    outcome: Outcome,
    *,
    api: str,
    token: str,
    backoff: float,
    progress_console: Console,
) -> None:
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "cashew-import/1"}
    with httpx.Client(base_url=api, headers=headers, timeout=TIMEOUT) as client, _progress(progress_console) as bar:
        task = bar.add_task("rows", total=len(rows))
        for row, record in rows:
            try:
                if isinstance(record, RowError):
                    raise record
                _send(client, row, harvest_body(record), outcome, backoff)
            except RowError as exc:
                outcome.refused.append((row, f"invalid_row: {exc}"))
            bar.advance(task)


def _summary(console: Console, outcome: Outcome) -> None:
    console.print(
        f"created: {len(outcome.created)}, replayed (already recorded): {len(outcome.replayed)}, "
        f"refused: {len(outcome.refused)}"
    )
    for row, reason in outcome.refused:
        console.print(f"  refused row {row}: {reason}")
    for row, warning in outcome.warnings:
        console.print(f"  warning row {row}: {warning}")
    for row, note in outcome.notes:
        console.print(f"  note row {row}: {note}")


def run_import(path: Path, *, api: str, token: str, backoff: float = 0.5) -> int:
    """Upload the harvests of a CSV file (header ``farm_id,harvested_on,quantity_kg,moisture_pct,notes``)."""
    out = Console(soft_wrap=True, highlight=False, markup=False)
    err = Console(stderr=True, soft_wrap=True, highlight=False, markup=False)
    outcome = Outcome()
    try:
        if not api.startswith(("http://", "https://")):
            raise UsageError(f"--api must be an http(s) URL such as http://127.0.0.1:8000, not {api!r}")
        rows = read_rows(Path(path))
        _upload(rows, outcome, api=api.rstrip("/"), token=token, backoff=backoff, progress_console=err)
    except UsageError as exc:
        if outcome.created or outcome.replayed or outcome.refused:
            _summary(out, outcome)  # what was done before stopping; re-running the file is safe
        err.print(f"error: {exc}")
        return 2
    _summary(out, outcome)
    return 1 if outcome.refused else 0
