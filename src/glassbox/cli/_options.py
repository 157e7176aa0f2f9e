"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from glassbox.core import Glassbox
from glassbox.settings import Settings, load_settings

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
def node(data: Path | None, database: str | None = None) -> Iterator[Glassbox]:
    """The data directory's node, open for one command."""
    with Glassbox.open(settings_for(data, database=database)) as opened:
        yield opened
