"""`glassbox log`: operator tools on the local log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from glassbox.audit import entry_at
from glassbox.cli._options import DatabaseOpt, DataOpt, node, print_entry, settings_for
from glassbox.core import load_signer, node_source
from glassbox.errors import EntryTooLarge, InputError
from glassbox.tlog import MAX_ENTRY_SIZE

app = typer.Typer(
    rich_markup_mode=None, help="Operator tools for the local log.", no_args_is_help=True
)


@app.command()
def append(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILES", help="Each file's bytes become one entry.")
    ],
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
    for f, entry in zip(files, entries, strict=True):
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryTooLarge(
                f"{f} is {len(entry)} bytes; log entries are at most {MAX_ENTRY_SIZE} bytes"
            )
    with node(data, database) as opened:
        start = opened.log.append(entries)
    for i, f in enumerate(files):
        typer.echo(f"{start + i}\t{f}")


@app.command()
def integrate(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """Integrate everything pending now and print the signed checkpoint."""
    with node(data, database) as opened:
        note = opened.log.publish()
    typer.echo(note, nl=False)


@app.command()
def key(data: DataOpt = None) -> None:
    """Print the log's verifier key."""
    typer.echo(load_signer(settings_for(data)).verifier_key())


@app.command()
def get(
    index: Annotated[int, typer.Argument(metavar="INDEX", min=0, help="The entry's log index.")],
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Print one entry as indented JSON, after checking its inclusion proof.

    The proof is checked against the latest checkpoint with the node's own key;
    an entry sequenced but not yet in a checkpoint, or beyond, exits 3.
    """
    source = node_source(settings_for(data, database=database))
    try:
        included = entry_at(source, index)
    finally:
        source.close()
    print_entry(included)
