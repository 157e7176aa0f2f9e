"""`python -m glassbox` runs the CLI."""

from glassbox.cli import main

main()
