"""The README's tour runs as written, so it cannot drift from the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.live import Server

README = Path(__file__).parent.parent / "README.md"


def _block(tag: str) -> list[str]:
    found = re.search(rf"```sh {tag}\n(.*?)```", README.read_text(), flags=re.S)
    assert found, tag
    return found.group(1).strip().splitlines()


def _run(lines: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLASSBOX_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    output = ""
    for line in lines:
        proc = subprocess.run(
            line, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, f"{line}\n{proc.stdout}\n{proc.stderr}"
        output = proc.stdout
    return output


def test_readme_opens_with_the_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    assert first_block
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make serve", "make test"]


def test_readme_tour_runs(tmp_path: Path) -> None:
    out = _run(_block("tour"), tmp_path)
    assert out.startswith("OK example.test/glassbox/demo size=3 root=")  # as the README says
    server = Server(tmp_path / "demo").start()
    try:
        lines = [
            line.replace("127.0.0.1:8081", f"127.0.0.1:{server.port}")
            for line in _block("tour-server")
        ]
        out = _run(lines[:-1], tmp_path)
        assert "input commitment opens; output commitment opens" in out
        out = _run(lines[-1:], tmp_path)
        assert out.startswith("OK example.test/glassbox/demo size=")
    finally:
        server.stop()
