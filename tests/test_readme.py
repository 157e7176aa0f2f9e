"""The README's tour runs as written, so it cannot drift from the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text()
    first_block = re.search(r"```sh\n(.*?)```", text, flags=re.S)
    assert first_block
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make serve", "make test"]


def test_readme_tour_runs(tmp_path: Path) -> None:
    tour = re.search(r"```sh tour\n(.*?)```", README.read_text(), flags=re.S)
    assert tour
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLASSBOX_")}
    bindir = Path(sys.executable).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    output = ""
    for line in tour.group(1).strip().splitlines():
        proc = subprocess.run(
            line, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, f"{line}\n{proc.stderr}"
        output = proc.stdout
    assert output.startswith("OK example.test/glassbox/demo size=2 root=")
