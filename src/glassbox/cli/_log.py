"""`glassbox log`: operator tools on the local log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from glassbox.cli._options import DatabaseOpt, DataOpt, settings_for
from glassbox.errors import InputError
from glassbox.node import Node, load_signer
from glassbox.tlog.server import check_entries, write_entries

app = typer.Typer(help="Operator tools for the local log.", no_args_is_help=True)


@app.command()
def append(
    files: Annotated[list[Path], typer.Argument(help="Each file's bytes become one entry.")],
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Append files as entries (in order, in one transaction) and print their indices."""
    entries = []
    for f in files:
        try:
            entries.append(f.read_bytes())
        except OSError as exc:
            raise InputError(f"cannot read {f}: {exc.strerror}") from None
    check_entries(entries)
    node = Node.open(settings_for(data, database=database))
    try:
        start = write_entries(node.engine, entries)
    finally:
        node.close()
    for i, f in enumerate(files):
        typer.echo(f"{start + i}\t{f}")


@app.command()
def integrate(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """Integrate everything pending now and print the signed checkpoint."""
    node = Node.open(settings_for(data, database=database))
    try:
        node.integrator.integrate_all()
        note = node.reader.checkpoint()
    finally:
        node.close()
    typer.echo(note, nl=False)


@app.command()
def key(data: DataOpt = None) -> None:
    """Print the log's verifier key."""
    typer.echo(load_signer(settings_for(data)).verifier_key())
