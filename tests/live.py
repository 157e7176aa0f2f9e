"""Run the real `glassbox` command: a live server process and one-shot CLI calls."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

GLASSBOX = [sys.executable, "-m", "glassbox"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_cli(
    *args: str | Path, check: bool = False, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLASSBOX_")}
    proc = subprocess.run(
        [*GLASSBOX, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        input=stdin,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"glassbox {args} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


class Server:
    """`glassbox serve` in a child process on a free port."""

    def __init__(self, data: Path, *, extra_env: dict[str, str] | None = None) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GLASSBOX_")}
        env.update(self.extra_env)
        self.log = open(self.data.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*GLASSBOX, "serve", "--data", str(self.data), "--port", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                output = (self.data.parent / f"server-{self.port}.log").read_text(errors="replace")
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{output}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not start in time")

    def output(self) -> str:
        """Everything the server printed so far."""
        self.log.flush()
        return (self.data.parent / f"server-{self.port}.log").read_text(errors="replace")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
