"""The hosted log reproduces tessera's 15-entry test log byte for byte, on both databases.

Vectors: tests/data/transparency-dev_tessera_testdata_log.jsonl (first line: source
and licence). Same key, same origin, one entry per checkpoint.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from glassbox.core import Glassbox, init_data_dir
from glassbox.settings import load_settings
from glassbox.tlog import parse_tile_path
from tests.conftest import DATA

VECTORS = DATA / "transparency-dev_tessera_testdata_log.jsonl"


def _tessera() -> tuple[str, list[bytes], dict[str, bytes]]:
    lines = VECTORS.read_text(encoding="utf-8").splitlines()
    header = lines[0]
    key = re.search(r"LOG_PRIVATE_KEY=(\S+)", header)
    names = re.search(r"entries appended one per checkpoint: ([a-z ]+)\.", header)
    assert key and names
    files = {}
    for line in lines[1:]:
        item = json.loads(line)
        body = item["text"].encode() if "text" in item else base64.b64decode(item["b64"])
        files[item["path"]] = body
    return key.group(1), [n.encode() for n in names.group(1).split()], files


def test_fifteen_entries_reproduce_every_checkpoint_tile_and_bundle(
    tmp_path: Path, db_url: str
) -> None:
    skey, entries, files = _tessera()
    assert len(entries) == 15
    data = tmp_path / "tessera"
    init_data_dir(
        load_settings({"data_dir": data, "origin": "example.com/log/testdata"}, environ={}),
        signing_key=skey,
        database=db_url,
        default_policy=False,
    )
    node = Glassbox.open(load_settings({"data_dir": data}, environ={}))
    try:
        assert node.log.reader.checkpoint().encode() == files["checkpoint.0"]
        for n, entry in enumerate(entries, start=1):
            assert node.log.append([entry]) == n - 1
            node.log.integrator.integrate_all()
            assert node.log.reader.checkpoint().encode() == files[f"checkpoint.{n}"], n
            assert node.log.reader.checkpoint_at(n).encode() == files[f"checkpoint.{n}"]
        assert node.log.reader.checkpoint().encode() == files["checkpoint"]

        tiles = {p: b for p, b in files.items() if p.startswith("tile/")}
        assert len(tiles) == 30
        for path, expected in tiles.items():
            where = parse_tile_path(path)
            if where.level is None:
                got = node.log.reader.entry_bundle(where.index, where.width)
            else:
                got = node.log.reader.tile(where.level, where.index, where.width)
            assert got == expected, path
    finally:
        node.close()


@pytest.mark.parametrize("path", ["tile/0/000", "tile/entries/000", "tile/1/000.p/1"])
def test_tiles_not_yet_published_are_not_found(node: Glassbox, path: str) -> None:
    from glassbox.errors import NotFound

    node.log.append([b"x"])
    node.log.integrator.integrate_all()
    where = parse_tile_path(path)
    with pytest.raises(NotFound):
        if where.level is None:
            node.log.reader.entry_bundle(where.index, where.width)
        else:
            node.log.reader.tile(where.level, where.index, where.width)
