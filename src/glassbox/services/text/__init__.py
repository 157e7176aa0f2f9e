"""Text services: translation, language identification and personal-data redaction.

Translation engines share one interface, `Translator`, and `build_translator`
builds them from the `translation_engine` setting ("auto": whatever this machine
has): Apertium (Debian's rule-based translator), CTranslate2 model directories
(OPUS-MT, NLLB), Argos Translate package files, an upstream LibreTranslate
server. A `Router` serves them as one, pivoting where no engine has a pair. `LanguageDetector` uses
lingua, `Redactor` uses Presidio; both work offline. `check_text` bounds what a
request may ask for and `sanitize_html` keeps scripts out of HTML.
"""

from ._apertium import ApertiumTranslator
from ._argos import ArgosTranslator
from ._checks import FORMATS, MAX_ALTERNATIVES, check_text
from ._ct2 import CTranslate2Translator
from ._detect import LanguageDetector
from ._engines import build_translator
from ._files import FILE_FORMATS, Document, read_document
from ._html import sanitize_html
from ._redact import Entity, Redaction, Redactor
from ._router import Hop, Router
from ._services import MAX_FILE_BYTES, DetectService, RedactService, TranslateService
from ._types import DetectedLanguage, Language, Translation, Translator
from ._upstream import UpstreamLibreTranslate

__all__ = [
    "FILE_FORMATS",
    "FORMATS",
    "MAX_ALTERNATIVES",
    "MAX_FILE_BYTES",
    "ApertiumTranslator",
    "ArgosTranslator",
    "CTranslate2Translator",
    "DetectService",
    "DetectedLanguage",
    "Document",
    "Entity",
    "Hop",
    "Language",
    "LanguageDetector",
    "RedactService",
    "Redaction",
    "Redactor",
    "Router",
    "TranslateService",
    "Translation",
    "Translator",
    "UpstreamLibreTranslate",
    "build_translator",
    "check_text",
    "read_document",
    "sanitize_html",
]
