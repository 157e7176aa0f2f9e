"""`glassbox clients` and `glassbox keys`: client organisations and their API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from glassbox.cli._options import DatabaseOpt, DataOpt, node
from glassbox.entries import Category

clients_app = typer.Typer(
    rich_markup_mode=None, help="Register client organisations.", no_args_is_help=True
)
keys_app = typer.Typer(
    rich_markup_mode=None, help="Create and revoke client API keys.", no_args_is_help=True
)
console = Console(highlight=False, soft_wrap=True)


@clients_app.command("add")
def add(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The organisation's name (never logged).")
    ],
    category: Annotated[str, typer.Option(help=f"One of: {', '.join(Category)}.")],
    purpose: Annotated[list[str], typer.Option(help="A registered purpose (repeatable).")],
    daily_audio_hours: Annotated[
        float, typer.Option(help="Registered volume: audio hours per 24 h.")
    ] = 8.0,
    requests_per_minute: Annotated[
        int | None,
        typer.Option(help="Requests a minute its keys may make [setting rate_limit_per_minute]."),
    ] = None,
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Register a client organisation."""
    with node(data, database) as opened:
        client = opened.clients.add(
            name,
            category=category,
            purposes=purpose,
            daily_audio_hours=daily_audio_hours,
            requests_per_minute=requests_per_minute,
        )
    console.print(f"Added {client.name} ({client.category}); pseudonym {client.pseudonym}")


@clients_app.command("list")
def list_clients(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """List registered client organisations."""
    with node(data, database) as opened:
        rows = opened.clients.all()
    header = ("name", "category", "purposes", "audio h/day", "pseudonym")
    cells = [
        (
            c.name,
            c.category,
            ", ".join(c.purposes),
            f"{c.daily_audio_seconds / 3600:g}",
            c.pseudonym,
        )
        for c in rows
    ]
    if not console.is_terminal:  # scripts get tab-separated lines
        for line in (header, *cells):
            typer.echo("\t".join(line))
        return
    table = Table(*header)
    for row in cells:
        table.add_row(*row)
    console.print(table)


@keys_app.command("create")
def create(
    client: Annotated[
        str, typer.Argument(metavar="CLIENT", help="The client organisation's name.")
    ],
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    with node(data, database) as opened:
        key_id, key = opened.clients.create_key(client)
    console.print(f"Key id {key_id} for {client} (shown once; store it now):", soft_wrap=True)
    typer.echo(key)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[
        str, typer.Argument(metavar="KEY_ID", help="The key id printed by `keys create`.")
    ],
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Revoke an API key at once."""
    with node(data, database) as opened:
        opened.clients.revoke(key_id)
    console.print(f"Revoked key {key_id}")
