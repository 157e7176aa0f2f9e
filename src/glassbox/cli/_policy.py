"""`glassbox policy`: test and publish the acceptable-use policy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from glassbox.cli._options import DatabaseOpt, DataOpt, settings_for
from glassbox.errors import PolicyError
from glassbox.gateway import PolicyBook
from glassbox.node import Node
from glassbox.policy import default_policy_dir, load_policy_dir, run_policy_tests
from glassbox.settings import Settings

app = typer.Typer(help="Test and publish the acceptable-use policy.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)
POLICY_DIR = "policy"

DirArg = Annotated[
    Path | None,
    typer.Argument(help="Directory with policy.cedar and tests.json [DATA/policy]."),
]


def install_default_policy(settings: Settings) -> Path:
    """Copy the shipped default policy into the data directory (once)."""
    target = settings.data_dir / POLICY_DIR
    if not target.exists():
        shutil.copytree(default_policy_dir(), target)
    return target


def publish_dir(settings: Settings, directory: Path) -> tuple[str, int, bool]:
    """Publish the policy in `directory` and integrate it, so it is under a checkpoint now."""
    policy = load_policy_dir(directory)
    node = Node.open(settings)
    try:
        index, new = PolicyBook(node.engine).publish(policy)
        node.integrator.integrate_all()
    finally:
        node.close()
    return policy.hash, index, new


@app.command()
def test(directory: DirArg = None, data: DataOpt = None) -> None:
    """Run the policy's own test cases."""
    directory = directory or settings_for(data).data_dir / POLICY_DIR
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
    settings = settings_for(data, database=database)
    policy_hash, index, new = publish_dir(settings, directory or settings.data_dir / POLICY_DIR)
    if new:
        console.print(f"Published policy {policy_hash} at log index {index}")
    else:
        console.print(f"Policy {policy_hash} is already in force (log index {index})")
