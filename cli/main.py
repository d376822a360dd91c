"""The ``cashew`` command (SPEC §3)."""

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from traceability.settings import get_settings

from .witness import witness_app

app = typer.Typer(
    help="Cashew traceability: serve, migrate, seed, import, verify, witness.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
seed_app = typer.Typer(help="Demo and generated data.", no_args_is_help=True)
parties_app = typer.Typer(help="Parties and their API keys.", no_args_is_help=True)
import_app = typer.Typer(help="Bulk uploads through the API.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(parties_app, name="parties")
app.add_typer(import_app, name="import")
app.add_typer(witness_app, name="witness")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations to CASHEW_DATABASE_URL."""
    from traceability.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    typer.echo(f"database is at the latest schema: {settings.database_url}")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    banner: Annotated[bool, typer.Option(help="print the demo's URLs and API keys first")] = False,
    demo_witness: Annotated[
        bool, typer.Option(help="start the demo's witness beside the server (port + 100) and ask it to cosign")
    ] = False,
) -> None:
    """Serve the API and pages (uvicorn, httptools, uvloop; migrations are applied first)."""
    from traceability.migrate import upgrade

    from .serving import serve_app

    settings = get_settings()
    upgrade(settings.database_url)
    witness_vkey = None
    if demo_witness:
        from . import demo_witness as demo

        started = demo.start(settings, port + 100)
        os.environ["CASHEW_WITNESS_POLICY"] = str(started.policy)  # read by the workers' settings
        get_settings.cache_clear()
        witness_vkey = started.vkey
    if banner:
        from seeds.demo import banner as demo_banner

        typer.echo(demo_banner(f"http://{host}:{port}", witness_vkey=witness_vkey))
    serve_app("api.main:create_app", host=host, port=port, workers=workers)


@seed_app.command("demo")
def seed_demo() -> None:
    """Load the demo data (idempotent: a second run adds nothing)."""
    from seeds.demo import load_demo

    created = load_demo(get_settings())
    typer.echo("demo data loaded" if created else "demo data already present")


@seed_app.command("season")
def seed_season(
    farms: Annotated[int, typer.Option(min=1, help="farms in the province (Bình Phước: about 75,000)")],
    season: Annotated[int, typer.Option(min=2000, max=9998, help="the season, a calendar year that is over")],
    seed: Annotated[int, typer.Option(help="seeds every draw: the same seed and key file give the same ledger")],
    processors: Annotated[
        int | None, typer.Option(min=1, max=4000, help="factories (default: 430 per 75,000 farms)")
    ] = None,
    traders: Annotated[
        int | None, typer.Option(min=1, help="collectors and exporters (default: 970 per 75,000)")
    ] = None,
) -> None:
    """Generate a province season through the domain services into an empty database (migrated first)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from seeds.season import SeasonError, SeasonSize
    from seeds.season import seed_season as generate
    from seeds.season.report import season_lines
    from traceability.db import make_engine, open_session
    from traceability.migrate import upgrade
    from traceability.oversight.summary import summary

    settings = get_settings()
    size = SeasonSize(farms=farms, season=season, seed=seed, processors=processors, traders=traders)
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # quiet in a pipe or a log
    )

    def progress(day: Any, done: int, total: int, tally: Mapping[str, int]) -> None:
        counts = ", ".join(f"{tally.get(k, 0):,} {k}" for k in ("farms", "harvests", "batches", "shipments"))
        bar.update(task, completed=done, total=total, description=f"{day:%d %b %Y} · {counts}")

    try:
        upgrade(settings.database_url)
        with bar:
            task = bar.add_task(f"season {season}", total=None)
            result = generate(settings, size, progress=progress)
    except SeasonError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    engine = make_engine(settings.database_url)
    try:
        with open_session(engine) as session:
            figures = summary(session, season)
    finally:
        engine.dispose()
    typer.echo("\n".join(season_lines(figures, result)))


@parties_app.command("create")
def parties_create(
    role: Annotated[str, typer.Option(help="farmer, processor, trader or regulator")],
    name: Annotated[str, typer.Option()],
    district: str | None = None,
    country: str = "VN",
    gs1_company_prefix: str | None = None,
) -> None:
    """Register a party and print its API key (shown once)."""
    from pydantic import ValidationError

    from traceability.anchoring import anchoring_info, load_or_create_signer
    from traceability.db import make_engine, unit_of_work
    from traceability.errors import DomainError
    from traceability.parties.schemas import PartyCreate
    from traceability.parties.service import create_party

    settings = get_settings()
    try:
        party_in = PartyCreate(
            name=name,
            role=role,
            district=district,
            country=country,
            gs1_company_prefix=gs1_company_prefix,
        )
        signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
        with unit_of_work(make_engine(settings.database_url), info=anchoring_info(signer)) as session:
            party, key = create_party(session, party_in=party_in)
    except (ValidationError, DomainError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps({"id": party.id, "name": party.name, "role": party.role, "api_key": key}, ensure_ascii=False))


@import_app.command("harvests")
def import_harvests(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    api: Annotated[str, typer.Option(help="base URL of the API, e.g. http://127.0.0.1:8000")],
    token: Annotated[str, typer.Option(help="the farmer's API key")],
) -> None:
    """Upload harvests from a CSV file; safe to re-run (each row's Idempotency-Key comes from its content)."""
    from .importer import run_import

    sys.exit(run_import(file, api=api, token=token))


@app.command()
def verify(
    source: Annotated[
        str, typer.Argument(metavar="FILE_OR_URL", help="a provenance bundle: a JSON file or an http(s) URL")
    ],
    vkey: Annotated[str | None, typer.Option(help="pin the log's verifier key (origin+keyid+key)")] = None,
    since: Annotated[
        Path | None, typer.Option(help="a checkpoint saved earlier: the new one must be consistent with it")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="machine-readable result")] = False,
    witness: Annotated[
        list[str] | None,
        typer.Option(help="a witness's verifier key (name+keyid+key) whose cosignature is required; repeatable"),
    ] = None,
    quorum: Annotated[
        int | None, typer.Option(help="how many of the --witness cosignatures must be valid (default: all)")
    ] = None,
) -> None:
    """Verify a provenance bundle offline: exit 0 valid, 1 invalid (each failure named), 2 usage or I/O error."""
    from .verify import run_verify

    sys.exit(run_verify(source, vkey=vkey, since=since, as_json=json_output, witnesses=witness or [], quorum=quorum))


@app.command()
def labels(
    lot_ids: Annotated[list[str], typer.Argument(help="lots to print, e.g. KRN26-7KQ3M9XA")],
    out: Annotated[Path, typer.Option(help="the PDF file to write")],
    format: Annotated[str, typer.Option(help="a4 or thermal-100x50")] = "a4",
) -> None:
    """Print a sheet of carton labels for lots (a `label` entry is written the first time a lot is printed)."""
    from .labels import print_labels

    sys.exit(print_labels(lot_ids, out=out, sheet=format))


@app.command()
def audit(
    vkey: Annotated[str | None, typer.Option(help="the log's verifier key (default: from the key file)")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="machine-readable report")] = False,
) -> None:
    """Integrity audit of the configured database: exit 0 clean, 1 problems found, 2 usage or database error."""
    from sqlalchemy.exc import SQLAlchemyError

    from ledger.checkpoint import Verifier
    from traceability.anchoring import load_or_create_signer
    from traceability.audit import audit_database
    from traceability.db import make_engine

    settings = get_settings()
    try:
        verifier = Verifier.from_vkey(vkey or load_or_create_signer(settings.log_key_file, settings.log_origin).vkey)
        engine = make_engine(settings.database_url)
        report = audit_database(engine, verifier)
    except (ValueError, SQLAlchemyError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if json_output:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"{'CLEAN' if not report.problems else 'PROBLEMS'}: {report.entries} entries, {report.records} records, "
            f"{report.checkpoints} checkpoints checked"
        )
        for p in report.problems:
            typer.echo(f"index {p.ledger_index}  {p.record_type or '-'} {p.record_id or '-'}: {p.problem}")
    sys.exit(1 if report.problems else 0)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
