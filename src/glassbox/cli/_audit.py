"""`glassbox audit`: verify a log from outside, trusting nothing it says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from glassbox.audit import load_state, open_source, save_state, verify_log

app = typer.Typer(help="Verify a Glassbox log.", no_args_is_help=True)


@app.command()
def verify(
    log: Annotated[str, typer.Argument(help="Log base URL (http://host:port/log) or data dir.")],
    key: Annotated[
        str | None, typer.Option("--key", help="The log's verifier key (name+hash+key).")
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State file: checkpoint verified last time (updated)."),
    ] = None,
) -> None:
    """Check signature, every entry and tile, the root, and consistency with the last run."""
    previous = load_state(state) if state else None
    source = open_source(log)
    console = Console(stderr=True)
    try:
        with Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("entries", total=None)
            result = verify_log(
                source,
                key=key,
                state=previous,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        source.close()
    if state:
        save_state(state, result.state())
    typer.echo(result.summary())
