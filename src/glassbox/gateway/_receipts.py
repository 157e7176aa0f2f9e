"""Receipts with inclusion proofs, for the client that made the request (and nobody else)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from glassbox.clients import Client
from glassbox.entries import receipt
from glassbox.errors import NotFound, Overloaded
from glassbox.node import Node
from glassbox.store import requests
from glassbox.tlog import Checkpoint, TlogProof, parse_note

INTEGRATION_WAIT = 5.0


def _salts(node: Node, client: Client, index: int) -> dict[str, str]:
    with node.engine.connect() as conn:
        salts = conn.execute(
            select(requests.c.salts).where(
                requests.c.log_index == index, requests.c.client_id == client.id
            )
        ).scalar_one_or_none()
    if salts is None:
        raise NotFound(f"you have no receipt at log index {index}")
    loaded: dict[str, str] = json.loads(salts)
    return loaded


def _with_proof(node: Node, index: int, salts: dict[str, str]) -> dict[str, Any] | None:
    note = node.reader.checkpoint()
    cp = Checkpoint.parse(parse_note(note).text)
    if cp.size <= index:
        return None
    (entry,) = node.reader.entries(index, index + 1)
    _, proof = node.reader.inclusion_proof(index, cp.size)
    rec = receipt(node.signer.name, index, entry, salts)
    rec["proof"] = {"size": cp.size, "hashes": [base64.b64encode(h).decode() for h in proof]}
    rec["checkpoint"] = note
    rec["tlog_proof"] = TlogProof(index, tuple(proof), note).to_text()
    return rec


async def receipt_with_proof(node: Node, client: Client, index: int) -> dict[str, Any]:
    """The receipt for `index` with a proof against the latest checkpoint.

    Waits briefly for integration (normally under a second); answers 503 with
    Retry-After if the entry is still not under a checkpoint.
    """
    salts = await run_in_threadpool(_salts, node, client, index)
    deadline = time.monotonic() + INTEGRATION_WAIT
    while True:
        rec = await run_in_threadpool(_with_proof, node, index, salts)
        if rec is not None:
            return rec
        if time.monotonic() > deadline:
            exc = Overloaded(f"log entry {index} is not yet under a signed checkpoint; retry")
            exc.retry_after = 1
            raise exc
        await asyncio.sleep(0.1)
