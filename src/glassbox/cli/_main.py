"""Entry point: the command tree and the one place errors become exit codes."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from glassbox.cli import _audit, _clients, _log, _node, _policy, _receipt, _report, _users, _witness
from glassbox.errors import GlassboxError

app = typer.Typer(
    rich_markup_mode=None,
    name="glassbox",
    help="Governed AI services with a verifiable transparency log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("init")(_node.init)
app.command("serve")(_node.serve)
app.add_typer(_log.app, name="log")
app.add_typer(_audit.app, name="audit")
app.add_typer(_clients.clients_app, name="clients")
app.add_typer(_clients.keys_app, name="keys")
app.add_typer(_policy.app, name="policy")
app.add_typer(_receipt.app, name="receipt")
app.add_typer(_users.app, name="users")
app.add_typer(_report.app, name="report")
app.add_typer(_witness.app, name="witness")  # witnesses


def main() -> None:
    try:
        app()
    except GlassboxError as exc:
        Console(stderr=True).print(
            f"[bold red]error[/] ({exc.code}): {exc.message}",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(exc.exit_code)
