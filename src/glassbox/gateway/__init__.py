"""The gateway: the one request path that combines clients, policy, services and the log."""

from glassbox.gateway._gateway import INDEX_HEADER, RECEIPT_HEADER, Call, Gateway, Reply
from glassbox.gateway._policies import PolicyBook, Published
from glassbox.gateway._receipts import receipt_with_proof
from glassbox.gateway._review import Review
from glassbox.gateway._text import TextServices
from glassbox.gateway._transcribe import Transcription, TranscriptionForm

__all__ = [
    "INDEX_HEADER",
    "RECEIPT_HEADER",
    "Call",
    "Gateway",
    "PolicyBook",
    "Published",
    "Reply",
    "Review",
    "TextServices",
    "Transcription",
    "TranscriptionForm",
    "receipt_with_proof",
]
