"""`glassbox users`: reviewer and admin accounts for the console."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from glassbox.cli._options import DatabaseOpt, DataOpt, node, show_table
from glassbox.entries import OPERATOR

app = typer.Typer(
    rich_markup_mode=None,
    help="Add, list, disable reviewer and admin accounts; reset passwords.",
    no_args_is_help=True,
)
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
    password = _password(name, password_stdin)
    with node(data, database, publish=True) as opened:
        user = opened.accounts.add(
            name, role=role, password=password, organisation=organisation, by=OPERATOR
        )
    console.print(f"Added {user.role} {user.name} (log pseudonym {user.pseudonym})")


def _password(name: str, from_stdin: bool) -> str:
    from glassbox.review import MIN_PASSWORD

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(
        typer.prompt(
            f"Password for {name} (at least {MIN_PASSWORD} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
    )


@app.command("list")
def list_users(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """List console accounts: name, role, organisation, status and log pseudonym."""
    with node(data, database) as opened:
        users = opened.accounts.all()
        names = {c.id: c.name for c in opened.clients.all()}
    cells = [
        (
            u.name,
            u.role,
            names.get(u.client_id, "") if u.client_id is not None else "",
            "disabled" if u.disabled else "active",
            u.pseudonym,
        )
        for u in users
    ]
    show_table(("name", "role", "organisation", "status", "pseudonym"), cells)


@app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Login name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again.")] = False,
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Disable a console account at once (its sessions end), or enable it again."""
    with node(data, database, publish=True) as opened:
        user = opened.accounts.disable(name, enable=enable, by=OPERATOR)
    console.print(f"{user.name} is {'disabled' if user.disabled else 'active'}")


@app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Login name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Set a new password for a console account (its sessions end)."""
    password = _password(name, password_stdin)
    with node(data, database, publish=True) as opened:
        opened.accounts.set_password(name, password, by=OPERATOR)
    console.print(f"New password set for {name}")
