"""Language codes: ISO 639-3 to 639-1 (Apertium and NLLB speak 639-3), and English names."""

from __future__ import annotations

from glassbox.services._languages import LANGUAGE_NAMES

# ISO 639-3 (and the 639-2 bibliographic forms some data uses) to ISO 639-1.
ISO639_3_TO_1: dict[str, str] = {
    "afr": "af", "amh": "am", "ara": "ar", "arb": "ar", "arg": "an", "asm": "as",
    "aze": "az", "bak": "ba", "bel": "be", "ben": "bn", "bod": "bo", "bos": "bs",
    "bre": "br", "bul": "bg", "cat": "ca", "ces": "cs", "cos": "co", "cym": "cy",
    "dan": "da", "deu": "de", "ell": "el", "eng": "en", "epo": "eo", "est": "et",
    "eus": "eu", "fao": "fo", "fas": "fa", "fin": "fi", "fra": "fr", "fry": "fy",
    "gla": "gd", "gle": "ga", "glg": "gl", "guj": "gu", "hat": "ht", "hau": "ha",
    "hbs": "sh", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy",
    "ibo": "ig", "ind": "id", "isl": "is", "ita": "it", "jav": "jv", "jpn": "ja",
    "kat": "ka", "kaz": "kk", "khm": "km", "kan": "kn", "kir": "ky", "kor": "ko",
    "kur": "ku", "lao": "lo", "lat": "la", "lav": "lv", "lin": "ln", "lit": "lt",
    "ltz": "lb", "lug": "lg", "mal": "ml", "mar": "mr", "mkd": "mk", "mlg": "mg",
    "mlt": "mt", "mon": "mn", "mri": "mi", "msa": "ms", "mya": "my", "nep": "ne",
    "nld": "nl", "nno": "nn", "nob": "nb", "nor": "no", "npi": "ne", "oci": "oc",
    "pan": "pa", "pes": "fa", "pol": "pl", "por": "pt", "pus": "ps", "ron": "ro",
    "rus": "ru", "san": "sa", "sin": "si", "slk": "sk", "slv": "sl", "sme": "se",
    "sna": "sn", "snd": "sd", "som": "so", "sot": "st", "spa": "es", "sqi": "sq",
    "srd": "sc", "srp": "sr", "swa": "sw", "swe": "sv", "tam": "ta", "tat": "tt",
    "tel": "te", "tgk": "tg", "tgl": "tl", "tha": "th", "tsn": "tn", "tso": "ts",
    "tuk": "tk", "tur": "tr", "uig": "ug", "ukr": "uk", "urd": "ur", "uzb": "uz",
    "vie": "vi", "xho": "xh", "yid": "yi", "yor": "yo", "zho": "zh", "zlm": "ms",
    "zsm": "ms", "zul": "zu",
}  # fmt: skip

# One 639-3 code per 639-1 code, preferring the individual language NLLB names.
ISO639_1_TO_3: dict[str, tuple[str, ...]] = {}
for _three, _one in ISO639_3_TO_1.items():
    ISO639_1_TO_3.setdefault(_one, ())
    ISO639_1_TO_3[_one] += (_three,)
del _three, _one

_EXTRA_NAMES = {
    "an": "aragonese", "co": "corsican", "eo": "esperanto", "fy": "frisian",
    "ga": "irish", "gd": "scottish gaelic", "ig": "igbo", "jv": "javanese",
    "ku": "kurdish", "ky": "kyrgyz", "lg": "ganda", "nb": "norwegian bokmål",
    "sc": "sardinian", "se": "northern sami", "sh": "serbo-croatian", "st": "sotho",
    "tn": "tswana", "ts": "tsonga", "ug": "uyghur", "xh": "xhosa", "zu": "zulu",
}  # fmt: skip


def to_iso639_1(code: str) -> str:
    """`code` as ISO 639-1 if it is a 639-3 code with a 639-1 equivalent, else unchanged."""
    return ISO639_3_TO_1.get(code, code)


def language_name(code: str) -> str:
    """The English name of a language code ("es" -> "Spanish"); the code itself if unknown."""
    name = LANGUAGE_NAMES.get(code) or _EXTRA_NAMES.get(code)
    return name.title() if name else code
