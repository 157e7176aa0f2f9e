"""`glassbox audit`: verify a log from outside, trusting nothing it says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from glassbox.audit import cache_beside, load_state, save_state, verify_log, watch_log
from glassbox.core import open_source

app = typer.Typer(rich_markup_mode=None, help="Verify a Glassbox log.", no_args_is_help=True)


@app.command()
def verify(
    log: Annotated[
        str, typer.Argument(metavar="LOG", help="Log base URL (http://host:port/log) or data dir.")
    ],
    key: Annotated[
        str | None, typer.Option("--key", help="The log's verifier key (name+hash+key).")
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State file: checkpoint verified last time (updated)."),
    ] = None,
    witness: Annotated[
        list[str] | None,
        typer.Option("--witness", help="A witness's cosigner key (name+hash+key); repeatable."),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option("--quorum", min=1, help="Cosignatures required [all --witness keys]."),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache",
            help="Keep full tiles and entry bundles here; later runs fetch only what is new "
            "[beside --state: STATE.cache].",
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Fetch everything; keep no tile cache.")
    ] = False,
) -> None:
    """Check signature, every entry and tile, the root, and consistency with the last run.

    Everything is re-hashed on every run; with a tile cache (the default with
    --state) only new and partial tiles are downloaded.
    """
    previous = load_state(state) if state else None
    if no_cache:
        cache = None
    elif cache is None and state is not None:
        cache = cache_beside(state)
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
                witnesses=witness or (),
                quorum=quorum,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                cache=cache,
                warn=lambda message: console.print(f"warning: {message}", highlight=False),
            )
    finally:
        source.close()
    if state:
        save_state(state, result.state())
    if result.fetched is not None:
        console.print(result.fetched.summary(), highlight=False)
    typer.echo(result.summary())


@app.command()
def watch(
    log: Annotated[
        str, typer.Argument(metavar="LOG", help="Log base URL (http://host:port/log) or data dir.")
    ],
    state: Annotated[
        Path, typer.Option("--state", help="State file: the last checkpoint seen (updated).")
    ],
    key: Annotated[
        str | None, typer.Option("--key", help="The log's verifier key (name+hash+key).")
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", min=0.0, help="Seconds between checks.")
    ] = 60.0,
    max_checks: Annotated[
        int | None, typer.Option("--max-checks", min=1, help="Stop after this many checks.")
    ] = None,
) -> None:
    """Keep checking that each new checkpoint extends the last one; stop with the evidence if not.

    Each check verifies the checkpoint's signature and a consistency proof, built
    from the log's tiles, from the checkpoint seen before. A rollback or a split
    view exits non-zero printing both checkpoints and the proof.
    """
    source = open_source(log)
    try:
        watch_log(
            source,
            state_path=state,
            key=key,
            interval=interval,
            max_checks=max_checks,
            report=typer.echo,
        )
    finally:
        source.close()
