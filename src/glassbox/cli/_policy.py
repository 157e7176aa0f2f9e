"""`glassbox policy`: test and publish the acceptable-use policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from glassbox.cli._options import DatabaseOpt, DataOpt, node, settings_for
from glassbox.errors import PolicyError

app = typer.Typer(
    rich_markup_mode=None, help="Test and publish the acceptable-use policy.", no_args_is_help=True
)
console = Console(highlight=False, soft_wrap=True)

DirArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="DIRECTORY", help="Directory with policy.cedar and tests.json [DATA/policy]."
    ),
]


@app.command()
def test(directory: DirArg = None, data: DataOpt = None) -> None:
    """Run the policy's own test cases."""
    from glassbox.core import policy_dir
    from glassbox.policy import load_policy_dir, run_policy_tests

    directory = directory or policy_dir(settings_for(data))
    policy = load_policy_dir(directory)
    results = run_policy_tests(policy)
    if not results:
        raise PolicyError(f"{directory} has no test cases (tests.json)")
    for r in results:
        mark = "[green]PASS[/]" if r.passed else "[bold red]FAIL[/]"
        got = r.got.outcome + (f" ({', '.join(r.got.reasons)})" if r.got.reasons else "")
        console.print(f"{mark} {r.name}: expected {r.expected}, got {got}")
    failed = sum(not r.passed for r in results)
    console.print(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


@app.command()
def publish(directory: DirArg = None, data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """Validate, test and publish the policy as a log entry; the server then decides with it."""
    from glassbox.core import policy_dir

    with node(data, database) as opened:
        published = opened.publish_policy(directory or policy_dir(opened.settings))
    if published.new:
        console.print(f"Published policy {published.hash} at log index {published.index}")
    else:
        console.print(f"Policy {published.hash} is already in force (log index {published.index})")
