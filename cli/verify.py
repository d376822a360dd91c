"""``cashew verify FILE_OR_URL [--vkey VKEY] [--since FILE] [--witness VKEY…] [--quorum K] [--json]``: check a
provenance bundle (SPEC §5.6), and the witnesses' cosignatures of its checkpoint (§5.7).

The checks themselves need nothing but the bundle (and the key, if the buyer
pins one): ``ledger.bundle``'s (format, signature, inclusion) and the cashew
rules of ``traceability.provenance.bundle_rules`` (no prices, a closed lineage,
mass conserved), which load no database code. Only ``--since`` asks the log for
something: the consistency proof between the checkpoint the buyer saved and
the bundle's, which the buyer then checks against both signed roots.
"""

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx
import typer

from ledger.bundle import (
    BundleReport,
    Failure,
    WitnessStatus,
    check_consistency,
    check_witnesses,
    open_saved_checkpoint,
)
from ledger.cosignature import CosignatureVerifier, InvalidNote
from ledger.note import Verifier
from traceability.provenance.bundle_rules import bundle_recalls, verify_provenance_bundle

VALID, INVALID, USAGE_ERROR = 0, 1, 2
TIMEOUT_S = 30.0


class _Refused(Exception):
    """A usage or I/O error: the command stops with exit 2 and this message."""


def run_verify(
    source: str,
    *,
    vkey: str | None,
    since: Path | None,
    as_json: bool,
    witnesses: Sequence[str] = (),
    quorum: int | None = None,
) -> int:
    """Verify the bundle at ``source`` (a file path or an http(s) URL); the exit code (0, 1 or 2).

    With ``witnesses`` (their verifier keys), ``quorum`` of them (default: all) must have cosigned the
    bundle's checkpoint. Prints the report (human or JSON) on stdout; usage and I/O errors on stderr.
    """
    try:
        verifiers = _witnesses(witnesses, quorum)
        report, since_info, recalls, bundle = _verify(source, vkey=vkey, since=since)
        cosigners: list[WitnessStatus] = []
        if verifiers:
            needed = len(verifiers) if quorum is None else quorum
            cosigners, failures = check_witnesses(_note_of(bundle), verifiers, needed)
            report = dataclasses.replace(report, failures=[*report.failures, *failures])
    except _Refused as exc:
        typer.echo(f"error: {exc}", err=True)
        return USAGE_ERROR
    if as_json:
        out = report.to_dict() | {"recalled": bool(recalls), "recalls": recalls}
        out |= {"since": since_info} if since_info else {}
        out |= {"witnesses": [dataclasses.asdict(s) for s in cosigners]} if verifiers else {}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        typer.echo(_human(report, since_info, recalls, cosigners))
    return VALID if report.valid else INVALID


def _witnesses(vkeys: Sequence[str], quorum: int | None) -> list[CosignatureVerifier]:
    verifiers = []
    for vkey in vkeys:
        try:
            verifiers.append(CosignatureVerifier.from_vkey(vkey))
        except (InvalidNote, ValueError) as exc:
            _refuse(f"--witness {vkey!r} is not a witness key (<name>+<8 hex key id>+<base64 0x04 key>): {exc}")
    if len({v.name for v in verifiers}) != len(verifiers):
        _refuse("--witness names the same witness twice")
    if quorum is not None and not (verifiers and 1 <= quorum <= len(verifiers)):
        _refuse(f"--quorum {quorum} needs that many --witness keys (given {len(verifiers)}), and at least 1")
    return verifiers


def _note_of(bundle: Any) -> object:
    return bundle.get("checkpoint") if isinstance(bundle, dict) else None


def _verify(
    source: str, *, vkey: str | None, since: Path | None
) -> tuple[BundleReport, dict[str, Any] | None, list[dict[str, Any]], Any]:
    is_url = source.lower().startswith(("http://", "https://"))
    if vkey is not None:
        try:
            Verifier.from_vkey(vkey)
        except ValueError as exc:
            _refuse(f"--vkey is not a verifier key (<origin>+<8 hex key id>+<base64 key>): {exc}")
    if since is not None and not is_url:
        _refuse(
            "--since needs the log's URL: consistency with a saved checkpoint is proven by the log, so give "
            "the bundle's http(s) URL rather than a file"
        )
    saved_note = _read(since).decode("utf-8", errors="replace") if since is not None else None
    if is_url:
        bundle, base = _fetch_json(source)
    else:
        bundle, base = _parse(_read(Path(source)), source), None
    report = verify_provenance_bundle(bundle, vkey=vkey)
    recalls = bundle_recalls(bundle) if isinstance(bundle, dict) else []
    if saved_note is None or since is None or base is None:
        return report, None, recalls, bundle
    return (*_since(report, saved_note, since, base), recalls, bundle)


def _since(report: BundleReport, saved_note: str, since: Path, base: str) -> tuple[BundleReport, dict[str, Any]]:
    """The report with the consistency failures between the saved checkpoint and the bundle's."""
    try:
        saved, problems = open_saved_checkpoint(saved_note, vkey=report.vkey)
    except ValueError as exc:
        _refuse(f"{since} does not hold a saved checkpoint (a signed note): {exc}")
    new = report.checkpoint
    proof: object = []
    if new is not None and saved.origin == new.origin and saved.size <= new.size:
        answer, _ = _fetch_json(f"{base}/ledger/proof/consistency?first={saved.size}&second={new.size}")
        proof = answer.get("proof") if isinstance(answer, dict) else answer
    problems += check_consistency(saved, report, proof)
    info = {"size": saved.size, "consistent": not problems}
    return dataclasses.replace(report, failures=[*report.failures, *problems]), info


def _human(
    report: BundleReport,
    since_info: dict[str, Any] | None,
    recalls: list[dict[str, Any]],
    cosigners: Sequence[WitnessStatus] = (),
) -> str:
    cp = report.checkpoint
    lines = [
        "VALID" if report.valid else "INVALID",
        f"lot:        {report.subject or '(none)'}",
        f"checkpoint: {f'{cp.origin}, size {cp.size}' if cp else '(unreadable)'}, key id {report.key_id or '(none)'}",
        f"records:    {report.records}",
    ]
    lines.extend(
        f"RECALLED:   recall {r['recall_id']} of lot {r['lot_id']} at {r['at']} by party {r['by']} (entry {r['index']})"
        for r in recalls
    )
    for s in cosigners:
        when = datetime.fromtimestamp(s.timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ") if s.timestamp else ""
        said = f"cosigned at {when}" if s.status == "valid" else f"{s.status.upper()}: {s.reason}"
        lines.append(f"witness:    {s.name} {said}")
    if since_info is not None:
        verdict = "consistent with" if since_info["consistent"] else "NOT shown consistent with"
        lines.append(f"since:      {verdict} the checkpoint you saved (size {since_info['size']})")
    lines.extend(_line(failure) for failure in report.failures)
    return "\n".join(lines)


def _line(failure: Failure) -> str:
    """``record <type> <id> at index <i>: <reason>``, or a bundle-wide failure with what it concerns."""
    if failure.record_type is None and failure.record_id is None:
        subject = {"signature": "checkpoint", "consistency": "since", "witness": "witnesses"}.get(
            failure.check, "bundle"
        )
        return f"{subject}: {failure.reason}"
    at = f" at index {failure.index}" if failure.index is not None else ""
    return f"record {failure.record_type or '?'} {failure.record_id or '?'}{at}: {failure.reason}"


def _fetch_json(url: str) -> tuple[Any, str]:
    """The JSON that ``url`` answers (after redirects), and the scheme and host that answered it."""
    try:
        response = httpx.get(url, follow_redirects=True, timeout=TIMEOUT_S, headers={"Accept": "application/json"})
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        _refuse(f"cannot fetch {url}: {exc or type(exc).__name__}")
    if response.status_code != 200:
        detail = ""
        try:
            body = response.json()
            detail = f": {body['detail']}" if isinstance(body, dict) and "detail" in body else ""
        except ValueError:
            pass
        _refuse(f"{url} answered {response.status_code} {response.reason_phrase}{detail}")
    final = response.url
    return _parse(response.content, url), f"{final.scheme}://{final.netloc.decode('ascii')}"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _refuse(f"cannot read {path}: {exc.strerror or exc}")


def _parse(content: bytes, source: str) -> Any:
    """Strict JSON: no duplicate keys (a reader could take either value), no NaN or Infinity."""
    try:
        return json.loads(content, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        _refuse(f"{source} is not valid JSON: {exc}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        repeated = sorted({k for k, _ in pairs if sum(1 for key, _ in pairs if key == k) > 1})
        raise ValueError(f"an object repeats the key(s) {', '.join(repeated)}, so its meaning is ambiguous")
    return obj


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _refuse(message: str) -> NoReturn:
    raise _Refused(message)
