"""Table definitions: the single source the migrations are written against."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Sequenced entries: index -> exact bytes. Written once, never updated.
log_entries = Table(
    "log_entries",
    metadata,
    # On SQLite, INTEGER PRIMARY KEY makes idx the rowid itself (migration 0005).
    Column(
        "idx", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("data", LargeBinary, nullable=False),
)

# One row: the next index to assign. Its row lock orders concurrent sequencers.
log_sequence = Table(
    "log_sequence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("next_idx", BigInteger, nullable=False),
)

# One row: the integrated tree (size, right edge, latest signed checkpoint).
log_tree = Table(
    "log_tree",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("compact", LargeBinary, nullable=False),
    Column("checkpoint", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=True),
)

# C2SP tlog-tiles hash tiles, growing until full (256 hashes). level -1 is unused.
log_tiles = Table(
    "log_tiles",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
)

# Every checkpoint ever signed, by tree size.
log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Client organisations. `pseudonym` is what the public log shows instead of the name.
clients = Table(
    "clients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("pseudonym", String(40), nullable=False, unique=True),
    Column("category", String(40), nullable=False),
    Column("purposes", Text, nullable=False),  # JSON list of strings
    Column("daily_audio_seconds", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Requests a minute its keys may make; None: the `rate_limit_per_minute` setting.
    Column("requests_per_minute", Integer, nullable=True),
    # Set while the organisation is suspended: its keys are refused.
    Column("suspended_at", DateTime(timezone=True), nullable=True),
)

# API keys: only a SHA-256 of the secret part is kept. A key may have a webhook: the URL
# its held requests' decisions are posted to, and the signing secret, sealed with the hold key.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("webhook_url", String(2000), nullable=True),
    Column("webhook_secret", LargeBinary, nullable=True),
)

# Published policy sets, newest last; each is also a `policy` log entry.
policies = Table(
    "policies",
    metadata,
    Column("hash", String(80), primary_key=True),
    Column("text", Text, nullable=False),
    Column("tests", Text, nullable=True),
    Column("log_index", BigInteger, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
)

# One row per logged service request: volume accounting and receipt salts (never content).
requests = Table(
    "requests",
    metadata,
    Column("log_index", BigInteger, primary_key=True, autoincrement=False),
    Column("request_id", String(40), nullable=False, unique=True),
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=False),
    Column("action", String(40), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("audio_seconds", Float, nullable=False),
    Column("characters", Integer, nullable=False),
    Column("salts", Text, nullable=False),  # JSON {"input": b64, "output": b64}
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_requests_client_time", "client_id", "created_at"),
)

# Reviewer and admin accounts. Passwords are Argon2id hashes; `client_id` links a
# reviewer to the organisation they belong to (they may never review its requests).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("pseudonym", String(40), nullable=False, unique=True),
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Set while the account is disabled: it cannot log in and has no sessions.
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

# Console sessions: only a SHA-256 of the cookie value is stored.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Requests held for review. The payload and the result are encrypted at rest and
# deleted as soon as they are no longer needed.
holds = Table(
    "holds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=False),
    Column("log_index", BigInteger, nullable=False),
    Column("action", String(40), nullable=False),
    Column("purpose", String(80), nullable=False),
    Column("policy", String(80), nullable=True),
    Column("reasons", Text, nullable=False),  # JSON [{"id", "description"}]
    Column("reviewers_required", Integer, nullable=False),
    Column("audio_seconds", Float, nullable=False),
    Column("params", Text, nullable=False),  # JSON: model, format, language, ...
    Column("salts", Text, nullable=False),  # JSON: the input commitment's salt
    Column("payload", LargeBinary, nullable=True),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("final_index", BigInteger, nullable=True),
    Column("result", LargeBinary, nullable=True),
    Column("result_type", String(80), nullable=True),
    Column("result_expires_at", DateTime(timezone=True), nullable=True),
    # The API key the request came with (None for holds made before migration 0009).
    Column("key_id", String(40), nullable=True),
    Index("ix_holds_status", "status"),
)

# Webhook notices of decided holds, an outbox: each is enqueued in the transaction that
# ends its hold and sent (and retried) by the maintenance loop until `delivered_at` or
# `given_up_at`. `claimed_at` leases one to the replica sending it.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("hold_id", String(40), ForeignKey("holds.id"), nullable=False),
    Column("key_id", String(40), ForeignKey("api_keys.id"), nullable=False),
    Column("status", String(20), nullable=False),  # the hold's final status
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),  # None once done
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("last_status_code", Integer, nullable=True),  # None: no HTTP answer
    Column("last_error", String(200), nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("given_up_at", DateTime(timezone=True), nullable=True),
    Index("ix_webhook_deliveries_next", "next_attempt_at"),
)

# Each reviewer's verdict on a hold; a reviewer counts once per hold.
verdicts = Table(
    "verdicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hold_id", String(40), ForeignKey("holds.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("verdict", String(10), nullable=False),
    Column("reason", Text, nullable=False),
    Column("reason_salt", String(64), nullable=False),
    Column("log_index", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("hold_id", "user_id", name="uq_verdicts_hold_user"),
)

# Results a client fetches later by a token (LibreTranslate's translated files), sealed
# with the hold key; kept for result_retention_hours. Only the token's SHA-256 is stored.
kept_results = Table(
    "kept_results",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=False),
    Column("log_index", BigInteger, nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_kept_results_expires", "expires_at"),
)

# Witness cosignature lines (C2SP tlog-cosignature) collected for each signed checkpoint,
# one per witness key; /log/checkpoint serves those of the latest size after the log's own.
log_cosignatures = Table(
    "log_cosignatures",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("witness", String(500), primary_key=True),  # the witness's verifier key
    Column("line", Text, nullable=False),  # the signature line, without its newline
    Column("created_at", DateTime(timezone=True), nullable=False),
)
