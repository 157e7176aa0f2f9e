"""`glassbox witness`: run an independent witness that cosigns consistent checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from glassbox.errors import ConfigError, FormatError

app = typer.Typer(
    rich_markup_mode=None,
    help="Run a witness (C2SP tlog-witness) that cosigns consistent checkpoints.",
    no_args_is_help=True,
)
console = Console(highlight=False, soft_wrap=True)

WitnessDataOpt = Annotated[
    Path, typer.Option("--data", help="Witness data directory (key and database).")
]


@app.command()
def init(
    name: Annotated[
        str, typer.Option("--name", help="Witness key name, e.g. witness.example.org/w1.")
    ],
    data: WitnessDataOpt = Path("witness"),
) -> None:
    """Create a witness data directory with a new cosigning key; print its verifier key."""
    from glassbox.witness import init_witness_dir

    cosigner = init_witness_dir(data, name)
    console.print(f"Initialised witness {name} in {data}")
    console.print("Witness verifier key (give it to logs and auditors):")
    console.print(cosigner.verifier_key(), soft_wrap=True)


@app.command()
def key(data: WitnessDataOpt = Path("witness")) -> None:
    """Print the witness's verifier key."""
    from glassbox.witness import load_cosigner

    typer.echo(load_cosigner(data).verifier_key())


@app.command()
def serve(
    log: Annotated[
        list[str],
        typer.Option("--log", help="Verifier key of a log to follow (repeat for more logs)."),
    ],
    data: WitnessDataOpt = Path("witness"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8081,
) -> None:
    """Serve POST /add-checkpoint for the given logs."""
    import uvicorn

    from glassbox.tlog import Verifier
    from glassbox.witness import DATABASE_FILE, Witness, WitnessStore, create_witness_app
    from glassbox.witness import load_cosigner as load

    logs = []
    for vkey in log:
        try:
            logs.append(Verifier.from_key_string(vkey.strip()))
        except FormatError as exc:
            raise ConfigError(f"--log {vkey!r}: {exc.message}") from None
    cosigner = load(data)
    witness = Witness(cosigner, logs, WitnessStore(data / DATABASE_FILE))
    console.print(f"Witness {cosigner.name} on http://{host}:{port}/add-checkpoint")
    console.print(f"Verifier key: {cosigner.verifier_key()}", soft_wrap=True)
    for origin in witness.origins:
        console.print(f"Following log {origin}")
    uvicorn.run(create_witness_app(witness), host=host, port=port, log_level="info")


@app.command()
def evidence(data: WitnessDataOpt = Path("witness")) -> None:
    """Print the refused requests that carried a valid log signature (possible forks)."""
    from glassbox.witness import DATABASE_FILE, WitnessStore

    kept = WitnessStore(data / DATABASE_FILE).evidence()
    for item in kept:
        typer.echo(f"# {item.received_at} {item.origin}: {item.reason}")
        typer.echo(item.request)
    if not kept:
        typer.echo("no refused checkpoints")
