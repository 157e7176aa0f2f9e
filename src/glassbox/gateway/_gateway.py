"""The request flow: authenticate, decide, serve, log, answer with a receipt.

Every request that passed authentication ends in exactly one `decision` entry,
and its reply is built only after that entry is durable.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from glassbox.clients import Client, ClientRegistry, check_purpose
from glassbox.entries import (
    ENTRY_VERSION,
    Commitments,
    canonical,
    receipt,
    rfc3339,
    utc_now,
)
from glassbox.errors import GlassboxError, InputError, Overloaded
from glassbox.gateway._policies import PolicyBook, Published
from glassbox.node import Node
from glassbox.policy import Decision, PolicyRequest
from glassbox.store import requests

# Work that must commit in the same transaction as an entry, given the entry's index.
Attach = Callable[[Connection, int], None]

RECEIPT_HEADER = "Glassbox-Receipt"
INDEX_HEADER = "Glassbox-Log-Index"
NO_POLICY = "no-published-policy"


@dataclass
class Reply:
    """What the web layer sends: status, body, media type and headers."""

    status: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One service request in flight: who, what, and what has been committed to so far."""

    client: Client
    action: str
    base_url: str
    request_id: str = field(default_factory=lambda: "req_" + secrets.token_hex(12))
    time: datetime = field(default_factory=utc_now)
    purpose: str | None = None
    policy: Published | None = None
    commits: Commitments = field(default_factory=Commitments)
    audio_seconds: float = 0.0
    characters: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    error_style: str = "openai"  # or "libretranslate": {"error": "<message>", ...}

    def resolve_purpose(self, declared: str | None) -> str:
        """The declared purpose, or the client's only registered one."""
        if declared:
            self.purpose = check_purpose(declared.strip())
        elif len(self.client.purposes) == 1:
            self.purpose = self.client.purposes[0]
        else:
            raise InputError(
                "declare a purpose in the Glassbox-Purpose header or a 'purpose' field; "
                f"registered purposes: {', '.join(self.client.purposes)}"
            )
        return self.purpose


class Gateway:
    """Combines clients, policy, services and the log; the web layer only parses and renders."""

    def __init__(self, node: Node, clients: ClientRegistry) -> None:
        self.node = node
        self.clients = clients
        self.policies = PolicyBook(node.engine)

    def start(self, client: Client, action: str, base_url: str) -> Call:
        call = Call(client, action, base_url.rstrip("/"))
        call.policy = self.policies.current()
        return call

    def decide(self, call: Call) -> Decision:
        """The policy's decision for `call`; denies when no policy is published."""
        if call.policy is None:
            return Decision("deny", 0, (NO_POLICY,), ("No acceptable-use policy is published.",))
        usage = self.clients.usage_24h(call.client)
        assert call.purpose is not None
        return call.policy.policy.decide(
            PolicyRequest(
                client=call.client.pseudonym,
                category=call.client.category,
                purposes=call.client.purposes,
                daily_audio_seconds=call.client.daily_audio_seconds,
                action=call.action,
                purpose=call.purpose,
                audio_seconds=math.ceil(call.audio_seconds),
                characters=call.characters,
                volume_audio_seconds_24h=math.ceil(usage.audio_seconds),
                requests_24h=usage.requests,
            )
        )

    async def record(
        self,
        call: Call,
        outcome: str,
        *,
        reasons: tuple[str, ...] = (),
        also: Attach | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Append the call's decision entry (durably) and return the client's receipt.

        `also` runs in the same transaction, with the entry's index.
        """
        entry_obj: dict[str, Any] = {
            "v": ENTRY_VERSION,
            "kind": "decision",
            "time": rfc3339(call.time),
            "request": call.request_id,
            "client": call.client.pseudonym,
            "category": call.client.category,
            "action": call.action,
            "purpose": call.purpose,
            "outcome": outcome,
            "policy": call.policy.policy.hash if call.policy else None,
            "reasons": list(reasons),
            "input": call.commits.values.get("input"),
            "output": call.commits.values.get("output"),
            "audio_seconds": round(call.audio_seconds, 3) if call.audio_seconds else None,
            "characters": call.characters or None,
            **call.details,
            **extra,
        }
        entry = canonical({k: v for k, v in entry_obj.items() if v is not None})
        salts = call.commits.salts_b64()

        def remember(conn: Connection, index: int) -> None:
            conn.execute(
                insert(requests).values(
                    log_index=index,
                    request_id=call.request_id,
                    client_id=call.client.id,
                    action=call.action,
                    outcome=outcome,
                    audio_seconds=call.audio_seconds,
                    characters=call.characters,
                    salts=json.dumps(salts),
                    created_at=call.time,
                )
            )
            if also is not None:
                also(conn, index)

        (index,) = await self.node.sequencer.append_async([entry], remember)
        return receipt(self.node.signer.name, index, entry, salts)

    def receipt_headers(self, call: Call, rec: Mapping[str, Any]) -> dict[str, str]:
        index = rec["index"]
        return {
            INDEX_HEADER: str(index),
            RECEIPT_HEADER: f"{call.base_url}/v1/receipts/{index}",
        }

    async def fail(self, call: Call, exc: GlassboxError) -> Reply:
        """Log a request that could not be decided or served, and answer with its error."""
        rec = await self.record(call, "failed", error=exc.code)
        body = error_json(exc.code, exc.message, rec, style=call.error_style)
        headers = self.receipt_headers(call, rec)
        if isinstance(exc, Overloaded):
            headers["Retry-After"] = str(exc.retry_after)
        return Reply(exc.status, body, "application/json", headers)

    async def refuse(self, call: Call, decision: Decision) -> Reply:
        """Log and answer a denial: 403 with the reasons, as provable as a service."""
        rec = await self.record(call, "denied", reasons=decision.reasons)
        explained = [
            {"id": r, "description": d}
            for r, d in zip(decision.reasons, decision.descriptions, strict=False)
        ]
        message = "Refused under the acceptable-use policy: " + " ".join(
            d for d in decision.descriptions
        )
        body = error_json("policy_denied", message, rec, style=call.error_style, reasons=explained)
        return Reply(403, body, "application/json", self.receipt_headers(call, rec))


def error_json(
    code: str, message: str, rec: Mapping[str, Any], *, style: str = "openai", **more: Any
) -> bytes:
    """An error body in the shape the route's clients know, with the receipt."""
    body: dict[str, Any]
    if style == "libretranslate":
        body = {"error": message, "code": code, **more}
    else:
        body = {"error": {"message": message, "type": code, "code": code, "param": None, **more}}
    body["glassbox_receipt"] = rec
    return json.dumps(body).encode()
