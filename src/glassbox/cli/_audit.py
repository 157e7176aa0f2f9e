"""`glassbox audit`: verify a log from outside, trusting nothing it says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from glassbox.audit import (
    Quorum,
    Search,
    cache_beside,
    entry_at,
    find_entries,
    load_state,
    save_state,
    verify_log,
    watch_log,
)
from glassbox.cli._options import print_entry
from glassbox.core import open_source
from glassbox.errors import NotFound

app = typer.Typer(rich_markup_mode=None, help="Verify a Glassbox log.", no_args_is_help=True)

LogArg = Annotated[
    str, typer.Argument(metavar="LOG", help="Log base URL (http://host:port/log) or data dir.")
]
KeyOpt = Annotated[
    str | None, typer.Option("--key", help="The log's verifier key (name+hash+key).")
]
WitnessOpt = Annotated[
    list[str] | None,
    typer.Option("--witness", help="A witness's cosigner key (name+hash+key); repeatable."),
]
QuorumOpt = Annotated[
    int | None,
    typer.Option("--quorum", min=1, help="Cosignatures required [all --witness keys]."),
]


@contextmanager
def progress_bar(console: Console, label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal (none otherwise), updated by the function yielded."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("entries", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command()
def verify(
    log: LogArg,
    key: KeyOpt = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State file: checkpoint verified last time (updated)."),
    ] = None,
    witness: WitnessOpt = None,
    quorum: QuorumOpt = None,
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
        with progress_bar(console, "verifying") as progress:
            result = verify_log(
                source,
                key=key,
                state=previous,
                witnesses=witness or (),
                quorum=quorum,
                progress=progress,
                cache=cache,
                warn=lambda message: console.print(f"warning: {message}", markup=False),
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
    log: LogArg,
    state: Annotated[
        Path, typer.Option("--state", help="State file: the last checkpoint seen (updated).")
    ],
    key: KeyOpt = None,
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


@app.command()
def entry(
    log: LogArg,
    index: Annotated[int, typer.Argument(metavar="INDEX", min=0, help="The entry's log index.")],
    key: KeyOpt = None,
    witness: WitnessOpt = None,
    quorum: QuorumOpt = None,
) -> None:
    """Print one entry as indented JSON, after checking its inclusion proof.

    The proof is built from the log's tiles and checked against the latest
    checkpoint, signed by --key (and cosigned by --quorum of the --witness keys).
    An index the checkpoint does not reach exits 3.
    """
    required = Quorum.parse(witness or (), quorum)
    source = open_source(log)
    try:
        included = entry_at(source, index, key=key, quorum=required)
    finally:
        source.close()
    print_entry(included)


@app.command()
def find(
    log: LogArg,
    request: Annotated[
        str | None, typer.Option("--request", help="A request id, as in a receipt's entry.")
    ] = None,
    commitment: Annotated[
        str | None,
        typer.Option("--commitment", help="A commitment sha256:<hex> (input, output, reason)."),
    ] = None,
    key: KeyOpt = None,
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="Tile cache to read and fill, e.g. audit verify's."),
    ] = None,
) -> None:
    """List the entries for a request id or holding a commitment, with their indices.

    Reads and verifies the whole log as `audit verify` does (through the tile
    cache, if given), so both a match and no match are facts of the signed tree.
    No match exits 3.
    """
    search = Search(request=request, commitment=commitment)
    source = open_source(log)
    console = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
    try:
        with progress_bar(console, "searching") as progress:
            verified, matches = find_entries(
                source,
                search,
                key=key,
                cache=cache,
                progress=progress,
                warn=lambda message: console.print(f"warning: {message}"),
            )
    finally:
        source.close()
    cp = verified.checkpoint
    if not matches:
        raise NotFound(f"no entry for {search.describe()} in the {cp.size} entries of {cp.origin}")
    console.print(
        f"{len(matches)} entr{'y' if len(matches) == 1 else 'ies'} for {search.describe()}, "
        f"verified with the whole log under {cp.origin} size={cp.size}"
    )
    for found in matches:
        typer.echo(f"entry {found.index}:")
        typer.echo(found.pretty())
