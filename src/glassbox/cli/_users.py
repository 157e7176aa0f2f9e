"""`glassbox users`: reviewer and admin accounts for the console."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from glassbox.cli._options import DatabaseOpt, DataOpt, node

app = typer.Typer(rich_markup_mode=None, help="Reviewer and admin accounts.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Login name.")],
    role: Annotated[str, typer.Option(help="reviewer or admin.")] = "reviewer",
    organisation: Annotated[
        str | None,
        typer.Option(help="Client organisation the user belongs to (never reviews its requests)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Create a console account; the password is stored as an Argon2id hash."""
    from glassbox.review import MIN_PASSWORD

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt(
            f"Password for {name} (at least {MIN_PASSWORD} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
    with node(data, database) as opened:
        user = opened.accounts.add(name, role=role, password=password, organisation=organisation)
    console.print(f"Added {user.role} {user.name} (log pseudonym {user.pseudonym})")
