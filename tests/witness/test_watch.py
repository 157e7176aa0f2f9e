"""`glassbox audit watch` follows a log and stops, with the evidence, at a split view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from glassbox.audit import LogSource, load_state, watch_log
from glassbox.core import open_source
from glassbox.errors import ConsistencyError
from glassbox.tlog import Checkpoint, parse_note
from tests.live import run_cli

from ._support import LOG_VKEY, grow, init_log, open_node


class Switching:
    """A log source that serves one log, then another: what a split view looks like."""

    def __init__(self, *sources: LogSource, after: list[int]) -> None:
        self.name = "switching"
        self._sources = sources
        self._after = after  # serve sources[i + 1] from checkpoint fetch after[i] on
        self._fetches = 0
        self._current = sources[0]

    def checkpoint(self) -> str:
        self._fetches += 1
        index = sum(self._fetches > n for n in self._after)
        self._current = self._sources[index]
        return self._current.checkpoint()

    def tile(self, level: int, index: int, width: int) -> bytes:
        return self._current.tile(level, index, width)

    def entry_bundle(self, index: int, width: int) -> bytes:
        return self._current.entry_bundle(index, width)

    def verifier_key(self) -> str | None:
        return None

    def close(self) -> None:
        pass


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Two logs under the same key and origin: 'alice' is honest, 'mallory' is a fork."""
    a, b = init_log(tmp_path / "alice"), init_log(tmp_path / "mallory")
    with open_node(a) as alice, open_node(b) as mallory:
        grow(alice, 300, tag="alice")
        grow(mallory, 300, tag="alice")  # the same history up to 300...
        grow(mallory, 20, tag="mallory")  # ...then another
        grow(alice, 20, tag="alice")
    yield a, b


def _size(note: str) -> int:
    return Checkpoint.parse(parse_note(note).text).size


def test_a_split_view_is_caught_at_the_first_check_that_sees_it(
    logs: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = (open_source(str(p)) for p in logs)
    state = tmp_path / "state.json"
    reports: list[str] = []
    try:
        with pytest.raises(ConsistencyError) as caught:
            watch_log(
                Switching(a, b, after=[2]),
                state_path=state,
                key=LOG_VKEY,
                max_checks=5,
                report=reports.append,
                sleep=lambda _: None,
            )
        alice, mallory = a.checkpoint(), b.checkpoint()
    finally:
        a.close()
        b.close()
    assert len(reports) == 2 and "first check" in reports[0] and "consistent" in reports[1]
    error = caught.value
    assert alice in error.message and mallory in error.message and "proof:" in error.message
    assert (error.size1, error.size2) == (320, 320)
    assert error.root1 != error.root2
    saved = load_state(state)
    assert saved is not None and saved.checkpoint == alice  # the state keeps the good view


def test_a_rollback_is_caught(logs: tuple[Path, Path], tmp_path: Path) -> None:
    with open_node(logs[0]) as node:
        older = node.log.reader.checkpoint_at(300)
    alice = open_source(str(logs[0]))

    class Stale(Switching):
        def checkpoint(self) -> str:
            self._fetches += 1
            return alice.checkpoint() if self._fetches == 1 else older

    try:
        with pytest.raises(ConsistencyError, match="rollback") as caught:
            watch_log(
                Stale(alice, after=[]),
                state_path=tmp_path / "s.json",
                key=LOG_VKEY,
                max_checks=2,
                report=lambda _: None,
                sleep=lambda _: None,
            )
    finally:
        alice.close()
    assert (caught.value.size1, caught.value.size2) == (320, 300)


def test_the_cli_follows_growth_then_exits_non_zero_with_the_evidence(
    logs: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = logs
    state = tmp_path / "state.json"
    watch = ("audit", "watch", "--state", state, "--key", LOG_VKEY, "--interval", "0")
    with open_node(a) as alice:
        grow(alice, 1, tag="alice")  # alice at 321
    proc = run_cli(*watch, "--max-checks", "2", a)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("OK example.test/glassbox/testdata size=321") == 2

    # Mallory, at a smaller size, shows a different history: caught by the proof.
    proc = run_cli(*watch, "--max-checks", "3", b)
    assert proc.returncode == 10, proc.stdout + proc.stderr
    assert proc.stdout == ""
    out = proc.stderr
    assert "rollback" in out or "inconsistent" in out
    with open_node(a) as alice, open_node(b) as mallory:
        for note in (alice.log.reader.checkpoint(), mallory.log.reader.checkpoint()):
            root = parse_note(note).text.split("\n")[2]
            assert root in out
    assert _size(load_state(state).checkpoint) == 321  # type: ignore[union-attr]


def test_the_cli_catches_two_roots_for_one_size(logs: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = logs
    state = tmp_path / "state.json"
    watch = ("audit", "watch", "--state", state, "--key", LOG_VKEY, "--max-checks", "1")
    assert run_cli(*watch, b).returncode == 0  # mallory at 320 first
    proc = run_cli(*watch, a)  # then alice at 320, another root
    assert proc.returncode == 10
    assert "inconsistent" in proc.stderr and "proof: []" in proc.stderr
    with open_node(a) as alice, open_node(b) as mallory:
        assert alice.log.reader.checkpoint() in proc.stderr
        assert mallory.log.reader.checkpoint() in proc.stderr
