"""``cashew witness``: run a C2SP tlog-witness for other parties' logs (SPEC §5.7)."""

import os
from pathlib import Path
from typing import Annotated

import typer

from ledger.cosignature import CosignatureSigner
from ledger.note import Verifier
from ledger.witness import Witness

witness_app = typer.Typer(help="A witness: cosign a log's checkpoints that extend the last one.", no_args_is_help=True)


def write_key(signer: CosignatureSigner, out: Path) -> None:
    """The signer key into a new file of mode 0600; FileExistsError if ``out`` exists (a key is never replaced)."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.skey + "\n")


@witness_app.command("key")
def key(
    name: Annotated[str, typer.Option(help="the witness's name, e.g. witness.example.org/w1")],
    out: Annotated[Path, typer.Option(help="the key file to create (mode 0600; never overwritten)")],
) -> None:
    """Write a new witness key to --out (0600) and print its verifier key: NAME+<key id>+base64(0x04 || key)."""
    try:
        signer = CosignatureSigner.generate(name)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        write_key(signer, out)
    except FileExistsError:
        typer.echo(f"error: {out} exists; the witness key in it is kept (choose another file)", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"error: cannot create {out}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(signer.vkey)


@witness_app.command("serve")
def serve(
    key: Annotated[Path, typer.Option(help="the witness key file (from `cashew witness key`)")],
    db: Annotated[Path, typer.Option(help="the witness's SQLite state file (created if absent)")],
    log: Annotated[
        list[str], typer.Option(help="a log's verifier key, origin+keyid+key (GET /ledger/key's vkey); repeatable")
    ],
    host: str = "127.0.0.1",
    port: int = 8100,
) -> None:
    """Serve POST /add-checkpoint and GET /<origin hash>/checkpoint (C2SP tlog-witness) with uvicorn."""
    try:
        signer = CosignatureSigner.from_skey(key.read_text().strip())
        logs = [Verifier.from_vkey(vkey) for vkey in log]
    except OSError as exc:
        typer.echo(f"error: cannot read {key}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    # The web stack loads only here, so the other commands stay light.
    import uvicorn

    from api.witness_app import create_witness_app

    from .serving import server_options

    app = create_witness_app(Witness(db, signer, logs))
    typer.echo(f"witness {signer.vkey} for {', '.join(sorted({v.name for v in logs}))}", err=True)
    uvicorn.run(app, **server_options(host=host, port=port, workers=1))
