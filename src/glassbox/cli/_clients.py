"""`glassbox clients` and `glassbox keys`: client organisations and their API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from glassbox.cli._options import DatabaseOpt, DataOpt, node, show_table
from glassbox.entries import OPERATOR, Category
from glassbox.errors import InputError

clients_app = typer.Typer(
    rich_markup_mode=None,
    help="Register, change and suspend client organisations.",
    no_args_is_help=True,
)
keys_app = typer.Typer(
    rich_markup_mode=None,
    help="Create, list and revoke client API keys, and set their webhooks.",
    no_args_is_help=True,
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
    with node(data, database, publish=True) as opened:
        client = opened.clients.add(
            name,
            category=category,
            purposes=purpose,
            daily_audio_hours=daily_audio_hours,
            requests_per_minute=requests_per_minute,
            by=OPERATOR,
        )
    console.print(f"Added {client.name} ({client.category}); pseudonym {client.pseudonym}")


@clients_app.command("list")
def list_clients(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """List registered client organisations."""
    with node(data, database) as opened:
        rows = opened.clients.all()
    header = ("name", "category", "purposes", "audio h/day", "requests/min", "status", "pseudonym")
    cells = [
        (
            c.name,
            c.category,
            ", ".join(c.purposes),
            f"{c.daily_audio_seconds / 3600:g}",
            "default" if c.requests_per_minute is None else str(c.requests_per_minute),
            "suspended" if c.suspended else "active",
            c.pseudonym,
        )
        for c in rows
    ]
    show_table(header, cells)


@clients_app.command("change")
def change(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The organisation's name.")],
    category: Annotated[
        str | None, typer.Option(help=f"A new category, one of: {', '.join(Category)}.")
    ] = None,
    purpose: Annotated[
        list[str] | None,
        typer.Option(help="The registered purposes, replacing the old ones (repeatable)."),
    ] = None,
    daily_audio_hours: Annotated[
        float | None, typer.Option(help="Registered volume: audio hours per 24 h.")
    ] = None,
    requests_per_minute: Annotated[
        int | None, typer.Option(help="Requests a minute its keys may make.")
    ] = None,
    default_rate: Annotated[
        bool,
        typer.Option("--default-rate", help="Use the setting rate_limit_per_minute again."),
    ] = False,
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Change a client's registration (an admin entry records what it is now)."""
    with node(data, database, publish=True) as opened:
        client = opened.clients.change(
            name,
            category=category,
            purposes=purpose or None,
            daily_audio_hours=daily_audio_hours,
            requests_per_minute=requests_per_minute,
            default_rate=default_rate,
            by=OPERATOR,
        )
    console.print(
        f"{client.name}: {client.category}; purposes {', '.join(client.purposes)}; "
        f"{client.daily_audio_seconds / 3600:g} audio h/day"
    )


@clients_app.command("suspend")
def suspend(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The organisation's name.")],
    resume: Annotated[bool, typer.Option("--resume", help="Lift the suspension instead.")] = False,
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Suspend a client: its keys are refused (401) until it is resumed."""
    with node(data, database, publish=True) as opened:
        client = opened.clients.suspend(name, resume=resume, by=OPERATOR)
    console.print(f"{client.name} is {'suspended' if client.suspended else 'active'}")


@keys_app.command("create")
def create(
    client: Annotated[
        str, typer.Argument(metavar="CLIENT", help="The client organisation's name.")
    ],
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    with node(data, database, publish=True) as opened:
        key_id, key = opened.clients.create_key(client, by=OPERATOR)
    console.print(f"Key id {key_id} for {client} (shown once; store it now):", soft_wrap=True)
    typer.echo(key)


@keys_app.command("list")
def list_keys(
    client: Annotated[
        str, typer.Argument(metavar="CLIENT", help="The client organisation's name.")
    ],
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """List a client's keys: ids, dates and webhook URLs (the secrets are not kept)."""
    with node(data, database) as opened:
        keys = opened.clients.keys(client)
    cells = [
        (
            k.id,
            k.created_at.strftime("%Y-%m-%d %H:%M"),
            "revoked " + k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "active",
            k.webhook_url or "-",
        )
        for k in keys
    ]
    show_table(("key id", "created (UTC)", "status", "webhook"), cells)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[
        str, typer.Argument(metavar="KEY_ID", help="The key id printed by `keys create`.")
    ],
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Revoke an API key at once."""
    with node(data, database, publish=True) as opened:
        opened.clients.revoke(key_id, by=OPERATOR)
    console.print(f"Revoked key {key_id}")


@keys_app.command("webhook")
def webhook(
    key_id: Annotated[
        str, typer.Argument(metavar="KEY_ID", help="The key id printed by `keys create`.")
    ],
    url: Annotated[
        str | None,
        typer.Argument(metavar="URL", help="Where decided holds are posted (http or https)."),
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the key's webhook.")] = False,
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Set or replace a key's webhook (a new signing secret is printed once), or remove it."""
    if remove == (url is not None):
        raise InputError("give either a URL or --remove")
    if url is None:
        with node(data, database, publish=True) as opened:
            opened.clients.remove_webhook(key_id, by=OPERATOR)
        console.print(f"Removed the webhook of key {key_id}")
        return
    with node(data, database, publish=True) as opened:
        secret = opened.clients.set_webhook(key_id, url, by=OPERATOR)
    console.print(f"Webhook of key {key_id}: {url}; signing secret (shown once; store it now):")
    typer.echo(secret)
