"""The one governed request path every service call takes.

    authenticate -> purpose -> prepare -> decide -> deny | hold | serve -> log -> receipt

`Gateway.handle` is that path, for any service in the registry: every request that
passed authentication ends in exactly one decision entry, durable before the
outcome (and its receipt) is returned. What a service does is its own; what
happens around it is the same for all of them.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Never

from anyio import CancelScope, to_thread

from glassbox.clients import Client, ClientRegistry, check_purpose
from glassbox.clock import Clock, utc_now
from glassbox.entries import Action, Category, Commitments, DecisionEntry, Receipt
from glassbox.entries import Outcome as Logged
from glassbox.errors import GlassboxError, InputError
from glassbox.gateway._limits import RateLimiter
from glassbox.gateway._outcomes import (
    Delta,
    Done,
    Failed,
    Held,
    Interrupted,
    Outcome,
    Reason,
    Refused,
    Served,
    Streaming,
)
from glassbox.gateway._policies import PolicyBook, Published
from glassbox.ledger import Ledger
from glassbox.policy import POLICY_ERROR, Decision, PolicyRequest, Ruling
from glassbox.review import Kept, KeptResults, Review
from glassbox.services import (
    Prepared,
    Result,
    Service,
    ServiceRegistry,
    Streamed,
    StreamingService,
)

_log = logging.getLogger(__name__)
NO_POLICY = "no-published-policy"
_NO_POLICY = Decision(Ruling.DENY, 0, (NO_POLICY,), ("No acceptable-use policy is published.",))

# What the web layer hands over: the request's fields (or why they could not be read).
Fields = Mapping[str, Any] | GlassboxError


@dataclass
class _Call:
    """One request in flight: who asks for what, and what it has committed to so far."""

    client: Client
    action: Action
    time: datetime
    policy: Published | None
    request_id: str = field(default_factory=lambda: "req_" + secrets.token_hex(12))
    purpose: str | None = None
    commits: Commitments = field(default_factory=Commitments)
    prepared: Prepared | None = None

    def entry(self, outcome: Logged, reasons: tuple[str, ...] = (), **more: Any) -> DecisionEntry:
        prepared = self.prepared
        return DecisionEntry(
            time=self.time,
            request=self.request_id,
            client=self.client.pseudonym,
            category=Category(self.client.category),
            action=self.action,
            purpose=self.purpose,
            outcome=outcome,
            policy=self.policy.policy.hash if self.policy else None,
            reasons=reasons,
            input=self.commits.values.get("input"),
            output=self.commits.values.get("output"),
            audio_seconds=prepared.audio_seconds if prepared else None,
            characters=prepared.characters if prepared else None,
            **more,
        )


class Gateway:
    """Takes requests for any registered service through the governed path."""

    def __init__(
        self,
        *,
        clients: ClientRegistry,
        policies: PolicyBook,
        ledger: Ledger,
        review: Review,
        kept: KeptResults,
        services: ServiceRegistry,
        clock: Clock = utc_now,
        rate_limit_per_minute: int = 0,
    ) -> None:
        self.clients = clients
        self.policies = policies
        self.ledger = ledger
        self.review = review
        self.kept = kept
        self.services = services
        self._clock = clock
        self._limiter = RateLimiter(clock)
        self._default_rate = rate_limit_per_minute

    async def authenticate(self, credentials: str | None) -> Client:
        """The client behind an `Authorization` header value; raises InvalidApiKey, or
        RateLimited past the client's requests a minute (every keyed route counts)."""
        client = await to_thread.run_sync(self.clients.authenticate, credentials)
        self._admit(client)
        return client

    def _admit(self, client: Client) -> None:
        self._limiter.take(client.id, client.requests_per_minute or self._default_rate)

    async def handle(
        self,
        action: Action,
        credentials: str | None,
        read: Callable[[], Awaitable[Fields]],
        purpose: str | None = None,
    ) -> Outcome:
        """Authenticate, then read, decide, serve or hold or refuse, and log the request.

        `read` is awaited only once the client is known, so nobody unauthenticated
        makes Glassbox read an upload. A declared purpose comes in `purpose` (the
        `Glassbox-Purpose` header) or in the fields' `purpose`, which wins.
        Raises InvalidApiKey, or RateLimited past the client's requests a minute (neither
        is logged: nobody can fill the log by asking too often); every other problem is
        a `Failed`.
        """
        client, policy = await to_thread.run_sync(self._identify, credentials)
        self._admit(client)
        call = _Call(client, action, self._clock(), policy)
        try:
            return await self._govern(call, await read(), purpose)
        except GlassboxError as exc:
            return await self._fail(call, exc)
        except Exception:
            _log.exception("%s failed unexpectedly", action)
            return await self._fail(call, GlassboxError("internal error"))

    def _identify(self, credentials: str | None) -> tuple[Client, Published | None]:
        """The client, and the policy in force (both may read the database)."""
        return self.clients.authenticate(credentials), self.policies.current()

    async def _govern(self, call: _Call, fields: Fields, header_purpose: str | None) -> Outcome:
        if isinstance(fields, GlassboxError):
            raise fields
        declared = fields.get("purpose")
        # An empty field declares nothing; any other value that is not a string is refused.
        call.purpose = self._purpose(
            call.client, header_purpose if declared in (None, "") else declared
        )
        service = self.services.get(call.action)
        body = {k: v for k, v in fields.items() if k != "purpose"}
        decision, prepared, result = await to_thread.run_sync(self._work, call, service, body)
        match decision.outcome:
            case Ruling.DENY:
                return await self._refuse(call, decision)
            case Ruling.REVIEW:
                return await self._hold(call, decision, prepared)
            case Ruling.ALLOW:
                if prepared.params.get("stream"):
                    return await self._start_stream(call, decision, prepared, service)
                if result is None:  # _work runs the service whenever the ruling is allow
                    raise GlassboxError("an allowed request was not run")
                entry = call.entry(
                    Logged.SERVED,
                    decision.reasons,
                    details={**prepared.details, **result.details},
                )
                token, keep = None, None
                if result.filename is not None:  # fetched later by a link: kept with its entry
                    kept = Kept(result.body, result.media_type, result.filename)
                    token, keep = self.kept.keep(call.client.id, kept)
                receipt = await self.ledger.record(
                    entry, client_id=call.client.id, salts=call.commits.salts_b64(), also=keep
                )
                return Served(receipt, result, token)
            case unknown:  # a programming error: never serve what was not allowed
                return await self._refuse(call, _unknown_ruling(unknown))

    def _work(
        self, call: _Call, service: Service, body: dict[str, Any]
    ) -> tuple[Decision, Prepared, Result | None]:
        """Prepare, commit to the input, decide, and run the service if the policy allows.

        One trip to a worker thread: every step blocks (decoding, hashing an upload,
        two queries, the service itself), and a request pays for each trip.
        """
        prepared = call.prepared = service.prepare(body)
        call.commits.add("input", prepared.payload)
        decision = self._decide(call, prepared)
        prepared.params["redact"] = decision.redact_output
        if decision.outcome is not Ruling.ALLOW or prepared.params.get("stream"):
            return decision, prepared, None
        result = service.run(prepared)
        call.commits.add("output", result.content())
        return decision, prepared, result

    async def _start_stream(
        self, call: _Call, decision: Decision, prepared: Prepared, service: Service
    ) -> Streaming:
        """Start the service before answering, so a refusal to start (no free slot, say)
        is an ordinary `Failed`; then stream, and log the request once it ends."""
        if not isinstance(service, StreamingService):
            raise InputError(f"the {call.action} service cannot stream; leave 'stream' out")
        streamed = await to_thread.run_sync(service.stream, prepared)
        return Streaming(self._stream(call, decision, prepared, streamed))

    async def _stream(
        self, call: _Call, decision: Decision, prepared: Prepared, streamed: Streamed
    ) -> AsyncIterator[Delta | Done | Interrupted]:
        pieces = iter(streamed)
        sent: list[str] = []
        error: GlassboxError | None = None
        try:
            while (piece := await to_thread.run_sync(next, pieces, None)) is not None:
                sent.append(piece)
                yield Delta(piece)
            result = await to_thread.run_sync(streamed.result)
        except GlassboxError as exc:  # the service failed midway: the client hears why
            error = exc
        except Exception:
            _log.exception("%s failed unexpectedly while streaming", call.action)
            error = GlassboxError("internal error")
        except BaseException:  # the client went away (cancelled): log what it was sent
            with CancelScope(shield=True):
                await self._interrupted(call, prepared, streamed, sent, "disconnected")
            raise
        if error is not None:
            receipt = await self._interrupted(call, prepared, streamed, sent, error.code)
            yield Interrupted(receipt, error)
            return
        call.commits.add("output", result.content())
        entry = call.entry(
            Logged.SERVED, decision.reasons, details={**prepared.details, **result.details}
        )
        receipt = await self.ledger.record(
            entry, client_id=call.client.id, salts=call.commits.salts_b64()
        )
        yield Done(receipt, result)

    async def _interrupted(
        self, call: _Call, prepared: Prepared, streamed: Streamed, sent: list[str], code: str
    ) -> Receipt:
        """Log a stream that broke off as failed, with a commitment to what was sent."""
        await to_thread.run_sync(streamed.close)
        partial = "".join(sent)
        call.commits.add("output", partial.encode())
        details = {**prepared.details, "streamed_characters": len(partial)}
        entry = call.entry(Logged.FAILED, error=code, details=details)
        return await self.ledger.record(
            entry, client_id=call.client.id, salts=call.commits.salts_b64()
        )

    @staticmethod
    def _purpose(client: Client, declared: Any) -> str:
        """The declared purpose, or the client's only registered one."""
        if isinstance(declared, str) and declared.strip():
            return check_purpose(declared.strip())
        if declared is not None and not isinstance(declared, str):
            raise InputError("'purpose' must be a string")
        if len(client.purposes) == 1:
            return client.purposes[0]
        raise InputError(
            "declare a purpose in the Glassbox-Purpose header or a 'purpose' field; "
            f"registered purposes: {', '.join(client.purposes)}"
        )

    def _decide(self, call: _Call, prepared: Prepared) -> Decision:
        """The policy's decision; denies when no policy is published (fail closed)."""
        if call.policy is None or call.purpose is None:
            return _NO_POLICY
        usage = self.ledger.usage_24h(call.client.id, call.time)
        return call.policy.policy.decide(
            PolicyRequest(
                client=call.client.pseudonym,
                category=call.client.category,
                purposes=call.client.purposes,
                daily_audio_seconds=call.client.daily_audio_seconds,
                action=call.action,
                purpose=call.purpose,
                audio_seconds=math.ceil(prepared.audio_seconds),
                characters=prepared.characters,
                volume_audio_seconds_24h=math.ceil(usage.audio_seconds),
                requests_24h=usage.requests,
                language=prepared.language or "",
            )
        )

    async def _refuse(self, call: _Call, decision: Decision) -> Refused:
        entry = call.entry(Logged.DENIED, decision.reasons)
        receipt = await self.ledger.record(
            entry, client_id=call.client.id, salts=call.commits.salts_b64()
        )
        return Refused(receipt, _reasons(decision))

    async def _hold(self, call: _Call, decision: Decision, prepared: Prepared) -> Held:
        entry = call.entry(
            Logged.HELD, decision.reasons, reviewers=decision.reviewers, details=prepared.details
        )
        reasons = _reasons(decision)
        receipt, deadline = await self.review.hold(
            entry,
            client_id=call.client.id,
            key_id=call.client.key_id,
            payload=prepared.payload,
            params=prepared.params,
            salts=call.commits.salts_b64(),
            reasons=[{"id": r.id, "description": r.description} for r in reasons],
        )
        return Held(receipt, call.request_id, decision.reviewers, deadline, reasons)

    async def _fail(self, call: _Call, exc: GlassboxError) -> Failed:
        entry = call.entry(Logged.FAILED, error=exc.code)
        receipt = await self.ledger.record(
            entry, client_id=call.client.id, salts=call.commits.salts_b64()
        )
        return Failed(receipt, exc)


def _reasons(decision: Decision) -> tuple[Reason, ...]:
    return tuple(
        Reason(r, d) for r, d in zip(decision.reasons, decision.descriptions, strict=False)
    )


def _unknown_ruling(ruling: Never) -> Decision:
    """The decision for a ruling the gateway does not know: a denial, and an error logged."""
    _log.error("the policy engine returned an unknown ruling %r; the request is denied", ruling)
    return Decision(Ruling.DENY, 0, (POLICY_ERROR,), ("The policy could not be evaluated.",))
