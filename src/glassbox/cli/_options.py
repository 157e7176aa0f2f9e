"""Options and output shared by several commands."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from glassbox.settings import Settings, load_settings

if TYPE_CHECKING:
    from glassbox.audit import Included
    from glassbox.core import Glassbox

DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="Data directory [env GLASSBOX_DATA_DIR; default ./data]."),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL: sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB.",
    ),
]


def settings_for(data: Path | None, **overrides: Any) -> Settings:
    return load_settings({"data_dir": data, **overrides})


@contextmanager
def node(
    data: Path | None, database: str | None = None, *, publish: bool = False
) -> Iterator[Glassbox]:
    """The data directory's node, open for one command; with `publish`, what the command
    logged is under a signed checkpoint when it ends (an administrative change, say)."""
    from glassbox.core import Glassbox  # loaded only by the commands that need a node

    with Glassbox.open(settings_for(data, database=database)) as opened:
        yield opened
        if publish:
            opened.log.publish()


def show_table(header: Sequence[str], cells: Sequence[Sequence[str]]) -> None:
    """A table on a terminal; tab-separated lines, header first, for scripts."""
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        for line in (header, *cells):
            typer.echo("\t".join(line))
        return
    table = Table(*header)
    for row in cells:
        table.add_row(*row)
    console.print(table)


def print_entry(included: Included) -> None:
    """The entry, pretty, on stdout; where it was proved, on stderr."""
    cp = included.checkpoint
    witnessed = f", cosigned by {', '.join(included.cosigners)}" if included.cosigners else ""
    Console(stderr=True, highlight=False, markup=False, soft_wrap=True).print(
        f"entry {included.found.index}: inclusion proof verified under {cp.origin} "
        f"size={cp.size}{witnessed}"
    )
    typer.echo(included.found.pretty())
