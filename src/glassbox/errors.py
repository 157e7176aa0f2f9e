"""Every error Glassbox raises on purpose.

    GlassboxError                  root; never raised itself
    ├── ConfigError                a setting is missing or invalid (names the setting)
    ├── InputError                 a request or argument is malformed (400)
    │   ├── EntryTooLarge          a log entry exceeds 65,535 bytes (413)
    │   ├── PayloadTooLarge        an upload or text exceeds its configured limit (413)
    │   ├── UnsupportedMedia       an upload is not audio we can decode, or is empty (400)
    │   └── PolicyError            a policy set does not parse, validate or pass its tests
    ├── Forbidden                  authenticated, but not allowed (403)
    ├── Conflict                   it changed state meanwhile, e.g. a hold already decided (409)
    ├── Unauthorized               missing or invalid credentials (401)
    │   └── InvalidApiKey          a client API key is missing, unknown or revoked
    ├── NotFound                   what was asked for does not exist (yet) (404)
    ├── Gone                       it existed but was deleted, e.g. a result past retention (410)
    ├── FetchError                 a remote log could not be fetched (network, HTTP status)
    ├── RetryLater                 not now; carries `retry_after` seconds (+ Retry-After)
    │   ├── Overloaded             too much work queued (503)
    │   ├── RateLimited            a client asks more often than its rate allows (429)
    │   └── TooManyAttempts        an account or address failed to sign in too often (429)
    ├── StorageError               the database refused or failed an operation (503)
    └── VerificationError          something signed or hashed does not check out
        ├── FormatError            a note, checkpoint, key, tile or bundle cannot be parsed
        ├── SignatureError         no trusted signature verifies
        ├── InclusionError         an inclusion proof does not verify
        ├── ConsistencyError       two tree heads are not consistent (carries both and the proof)
        └── TamperError            served data disagrees with what was recomputed (names where)

Each class carries the HTTP status, a stable error code and the CLI exit code;
one handler in the web layer and one in the CLI render them.
"""

from __future__ import annotations


class GlassboxError(Exception):
    """Root of every deliberate Glassbox error."""

    status: int = 500
    code: str = "internal_error"
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(GlassboxError):
    """Raised when a setting is missing or invalid; the message names the setting."""

    status = 500
    code = "config_error"
    exit_code = 2


class InputError(GlassboxError):
    """Raised when a request, path or argument is malformed."""

    status = 400
    code = "invalid_request"
    exit_code = 2


class EntryTooLarge(InputError):
    """Raised when a log entry is larger than the 65,535 bytes the tile format allows."""

    status = 413
    code = "entry_too_large"


class PayloadTooLarge(InputError):
    """Raised when an upload or a text is larger than its configured limit."""

    status = 413
    code = "file_too_large"


class UnsupportedMedia(InputError):
    """Raised when an upload is empty or cannot be decoded as audio."""

    code = "invalid_audio"


class UnreadableFile(InputError):
    """Raised when a document to translate is empty, of an unknown kind, or unreadable."""

    code = "invalid_file"


class PolicyError(InputError):
    """Raised when a policy set does not parse, fails schema validation or fails its tests."""

    code = "invalid_policy"


class Forbidden(GlassboxError):
    """Raised when an authenticated caller may not do what it asked."""

    status = 403
    code = "forbidden"
    exit_code = 5


class Conflict(GlassboxError):
    """Raised when an action no longer applies: a hold already decided, expired or voted on."""

    status = 409
    code = "conflict"
    exit_code = 6


class Unauthorized(GlassboxError):
    """Raised when a route needs credentials that are missing, revoked or wrong."""

    status = 401
    code = "unauthorized"
    exit_code = 5


class InvalidApiKey(Unauthorized):
    """Raised when a client API key is missing, unknown or revoked (OpenAI's code)."""

    code = "invalid_api_key"


class NotFound(GlassboxError):
    """Raised when a tile, entry, proof or record does not exist (yet)."""

    status = 404
    code = "not_found"
    exit_code = 3


class Gone(GlassboxError):
    """Raised when something existed but was deliberately deleted (a result past retention)."""

    status = 410
    code = "gone"
    exit_code = 3


class FetchError(GlassboxError):
    """Raised when an auditor cannot fetch a remote log (network error or bad HTTP status)."""

    status = 502
    code = "fetch_failed"
    exit_code = 4


class RetryLater(GlassboxError):
    """Root of the refusals that pass: the caller may try again after `retry_after` seconds."""

    exit_code = 4

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class Overloaded(RetryLater):
    """Raised when the service sheds load; rendered as 503 with Retry-After."""

    status = 503
    code = "overloaded"


class RateLimited(RetryLater):
    """Raised when a client sends more requests than its rate allows; 429 with Retry-After."""

    status = 429
    code = "rate_limit_exceeded"


class TooManyAttempts(RetryLater):
    """Raised when an account or address must wait before trying again; 429 with Retry-After."""

    status = 429
    code = "too_many_attempts"


class StorageError(GlassboxError):
    """Raised when the database fails an operation that may succeed on retry."""

    status = 503
    code = "storage_unavailable"
    exit_code = 4


class VerificationError(GlassboxError):
    """Raised when something signed or hashed does not verify."""

    status = 422
    code = "verification_failed"
    exit_code = 10


class FormatError(VerificationError):
    """Raised when a note, checkpoint, key, tile path or entry bundle cannot be parsed."""

    code = "bad_format"


class SignatureError(VerificationError):
    """Raised when no signature from a trusted key verifies."""

    code = "bad_signature"


class InclusionError(VerificationError):
    """Raised when an inclusion proof does not lead to the expected root."""

    code = "inclusion_failed"


class ConsistencyError(VerificationError):
    """Raised when two tree heads are not consistent.

    Carries the evidence: both sizes and roots and the proof that failed.
    """

    code = "inconsistent"

    def __init__(
        self,
        message: str,
        *,
        size1: int = 0,
        root1: bytes = b"",
        size2: int = 0,
        root2: bytes = b"",
        proof: tuple[bytes, ...] = (),
    ) -> None:
        super().__init__(message)
        self.size1, self.root1, self.size2, self.root2 = size1, root1, size2, root2
        self.proof = proof


class TamperError(VerificationError):
    """Raised when served log data disagrees with what the verifier recomputed."""

    code = "tampered"
