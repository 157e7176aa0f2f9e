"""Text services: translation, language identification and personal-data redaction.

Translation engines share one interface, `Translator`, and `build_translator`
picks one from the `translation_engine` setting: Apertium (Debian's rule-based
translator), CTranslate2 model directories (OPUS-MT, NLLB), Argos Translate
package files, or an upstream LibreTranslate server. `LanguageDetector` uses
lingua, `Redactor` uses Presidio; both work offline. `check_text` bounds what a
request may ask for and `sanitize_html` keeps scripts out of HTML.
"""

from ._apertium import ApertiumTranslator
from ._argos import ArgosTranslator
from ._checks import FORMATS, MAX_ALTERNATIVES, check_text
from ._ct2 import CTranslate2Translator
from ._detect import LanguageDetector
from ._engines import build_translator
from ._html import sanitize_html
from ._redact import Entity, Redaction, Redactor
from ._services import DetectService, RedactService, TranslateService
from ._types import DetectedLanguage, Language, Translation, Translator
from ._upstream import UpstreamLibreTranslate

__all__ = [
    "FORMATS",
    "MAX_ALTERNATIVES",
    "ApertiumTranslator",
    "ArgosTranslator",
    "CTranslate2Translator",
    "DetectService",
    "DetectedLanguage",
    "Entity",
    "Language",
    "LanguageDetector",
    "RedactService",
    "Redaction",
    "Redactor",
    "TranslateService",
    "Translation",
    "Translator",
    "UpstreamLibreTranslate",
    "build_translator",
    "check_text",
    "sanitize_html",
]
