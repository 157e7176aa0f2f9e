"""The `glassbox` command: operator, server and auditor tools."""

from glassbox.cli._main import app, main

__all__ = ["app", "main"]
