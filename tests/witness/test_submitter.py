"""The log side: each new checkpoint is submitted to the witnesses and served with their lines."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from glassbox.audit import verify_log
from glassbox.core import Glassbox, open_source
from glassbox.errors import ConfigError, FetchError, SignatureError
from glassbox.settings import load_settings
from glassbox.tlog import (
    Verifier,
    WitnessEndpoint,
    open_cosigned_checkpoint,
    parse_note,
    parse_witnesses,
)
from glassbox.tlog.server import WitnessSubmitter
from glassbox.witness import Witness

from ._support import LOG_VKEY, Dispatch, grow, init_log, make_witness, open_node

LOG = Verifier.from_key_string(LOG_VKEY)


class Setup:
    def __init__(self, tmp_path: Path, data: Path, node: Glassbox) -> None:
        self.data = data
        self.node = node
        self.w1 = make_witness(tmp_path / "w1", "example.test/witness/w1")
        self.w2 = make_witness(tmp_path / "w2", "example.test/witness/w2")
        self.dispatch = Dispatch({"w1.test": self.w1, "w2.test": self.w2})
        self.endpoints = [
            WitnessEndpoint("http://w1.test", self.w1.cosigner.verifier()),
            WitnessEndpoint("http://w2.test/", self.w2.cosigner.verifier()),
        ]
        self.client = httpx.Client(transport=self.dispatch)
        self.submitter = WitnessSubmitter(node.engine, self.endpoints, client=self.client)

    def submit_all(self) -> list[bool]:
        return [self.submitter.submit(e) for e in self.endpoints]

    def vkeys(self) -> list[str]:
        return [e.verifier.key_string() for e in self.endpoints]


@pytest.fixture
def setup(tmp_path: Path, data_dir: Path, node: Glassbox) -> Iterator[Setup]:
    """A log on SQLite and on PostgreSQL (conftest's `node`), with two in-process witnesses."""
    s = Setup(tmp_path, data_dir, node)
    try:
        yield s
    finally:
        s.client.close()
        s.dispatch.close()


def test_each_new_checkpoint_is_cosigned_and_served_with_the_lines(setup: Setup) -> None:
    grow(setup.node, 5)
    assert setup.submit_all() == [True, True]
    note = setup.node.log.reader.checkpoint()
    opened = open_cosigned_checkpoint(note, LOG, [e.verifier for e in setup.endpoints], quorum=2)
    assert opened.checkpoint.size == 5
    assert len(parse_note(note).signatures) == 3

    grow(setup.node, 300)
    assert setup.submit_all() == [True, True]
    assert setup.dispatch.requests[-2:] == [("w1.test", "old 5"), ("w2.test", "old 5")]
    note = setup.node.log.reader.checkpoint()
    assert open_cosigned_checkpoint(note, LOG, [setup.w2.cosigner.verifier()], quorum=1)
    assert setup.submit_all() == [False, False]  # nothing new: nothing sent
    assert len(setup.dispatch.requests) == 4


def test_the_old_size_survives_a_restart_through_the_table(setup: Setup) -> None:
    grow(setup.node, 3)
    setup.submit_all()
    grow(setup.node, 4)
    fresh = WitnessSubmitter(setup.node.engine, setup.endpoints, client=setup.client)
    assert fresh.submit(setup.endpoints[0])
    assert setup.dispatch.requests[-1] == ("w1.test", "old 3")


def test_on_409_it_retries_from_the_size_the_witness_reports(setup: Setup) -> None:
    grow(setup.node, 6)
    note = setup.node.log.reader.checkpoint()
    setup.w1.add_checkpoint(f"old 0\n\n{note}".encode())  # e.g. another replica got there first
    grow(setup.node, 10)
    assert setup.submitter.submit(setup.endpoints[0])
    assert setup.dispatch.requests == [("w1.test", "old 0"), ("w1.test", "old 6")]


def test_a_witness_that_saw_another_view_refuses_and_the_log_goes_on(
    tmp_path: Path, setup: Setup
) -> None:
    with open_node(init_log(tmp_path / "fork")) as fork:
        grow(fork, 7, tag="mallory")
        setup.w1.add_checkpoint(f"old 0\n\n{fork.log.reader.checkpoint()}".encode())
    grow(setup.node, 7)
    with pytest.raises(FetchError, match="HTTP 409"):
        setup.submitter.submit(setup.endpoints[0])
    assert setup.submitter.submit(setup.endpoints[1])
    assert setup.w1.store.evidence()[0].reason.startswith("fork")


def test_background_threads_cosign_and_a_dead_witness_is_only_logged(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    setup.dispatch.down.add("w2.test")
    setup.submitter.start_threads(0.05)
    try:
        with caplog.at_level(logging.WARNING, logger="glassbox.tlog.server._witnessing"):
            for round_ in range(3):
                grow(setup.node, 50)
                size = setup.node.log.reader.size()
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    note = setup.node.log.reader.checkpoint()
                    if len(parse_note(note).signatures) == 2:
                        break
                    time.sleep(0.02)
                opened = open_cosigned_checkpoint(
                    note, LOG, [setup.w1.cosigner.verifier()], quorum=1
                )
                assert opened.checkpoint.size == size, round_
    finally:
        setup.submitter.stop()
    assert any("example.test/witness/w2" in r.getMessage() for r in caplog.records)
    with pytest.raises(SignatureError, match=re.escape("missing: example.test/witness/w2")):
        open_cosigned_checkpoint(note, LOG, [e.verifier for e in setup.endpoints], quorum=2)


def test_the_auditor_requires_the_quorum(setup: Setup) -> None:
    grow(setup.node, 20)
    setup.submitter.submit(setup.endpoints[0])
    source = open_source(str(setup.data))
    try:
        result = verify_log(source, key=LOG_VKEY, witnesses=setup.vkeys()[:1], quorum=1)
        assert result.cosigners == ("example.test/witness/w1",)
        assert "cosigned by example.test/witness/w1" in result.summary()
        with pytest.raises(SignatureError, match=re.escape("missing: example.test/witness/w2")):
            verify_log(source, key=LOG_VKEY, witnesses=setup.vkeys())
        assert verify_log(source, key=LOG_VKEY).cosigners == ()
    finally:
        source.close()


def test_witnesses_setting_parses_and_names_itself_when_wrong(tmp_path: Path) -> None:
    w1: Witness = make_witness(tmp_path / "w1", "example.test/witness/w1")
    vkey = w1.cosigner.verifier_key()
    parsed = parse_witnesses(f" http://a.test/w/ |{vkey} ;")
    assert [(e.url, e.key) for e in parsed] == [("http://a.test/w", vkey)]
    for bad in (
        vkey,
        f"ftp://a.test|{vkey}",
        f"http://|{vkey}",
        f"http://a.test|{LOG_VKEY}",
        f"http://a.test|{vkey};http://b.test|{vkey}",
    ):
        with pytest.raises(ConfigError, match="'witnesses'"):
            load_settings({"data_dir": tmp_path, "witnesses": bad}, environ={})
