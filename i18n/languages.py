"""The twelve languages Mutua speaks, and how a worker's language is chosen.

The database stores BCP-47 tags (`pt-BR`, `zh-Hans`); Babel wants its own locale names
(`pt_BR`, `zh_Hans`). This module is the one place that maps one to the other, and it also
holds the per-language SMS settings, so that adding a language is one entry here plus its
catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers

from core.errors import ValidationFailed


class UnsupportedLanguage(ValidationFailed):
    """A language tag that is malformed or names a language Mutua has no catalog for."""

    slug = "unsupported-language"
    title = "The language is not supported"


@dataclass(frozen=True, slots=True)
class Language:
    """One supported language and how its SMS travel.

    `folding` says how an SMS may drop accents to stay in GSM-7: "gsm7" drops only those
    GSM-7 lacks (Spanish "contribucion" but still "qué", "español"); "all" drops every
    one, for Vietnamese, whose readers are used to SMS written without tones and for whom
    a message with half its tones would read worse than one with none. Scripts that cannot
    fit GSM-7 at all set `gsm7` to False: their templates are written to the 70-character
    UCS-2 budget instead, and their currency symbols stay as the reader knows them (₹, ৳).
    """

    tag: str
    babel_locale: str
    native_name: str
    gsm7: bool
    folding: Literal["none", "gsm7", "all"]


LANGUAGES: dict[str, Language] = {
    lang.tag: lang
    for lang in (
        Language("en", "en", "English", gsm7=True, folding="gsm7"),
        # Latin-American Spanish formatting (1,234.56): most of Mutua's Spanish readers are
        # in the Americas, where Spain's 1.234,56 reads as a different number.
        Language("es", "es_419", "Español", gsm7=True, folding="gsm7"),
        Language("pt-BR", "pt_BR", "Português", gsm7=True, folding="gsm7"),
        Language("fr", "fr", "Français", gsm7=True, folding="gsm7"),
        Language("ht", "ht", "Kreyòl", gsm7=True, folding="gsm7"),
        Language("fil", "fil", "Filipino", gsm7=True, folding="gsm7"),
        Language("vi", "vi", "Tiếng Việt", gsm7=True, folding="all"),
        Language("zh-Hans", "zh_Hans", "中文", gsm7=False, folding="none"),
        Language("ar", "ar", "العربية", gsm7=False, folding="none"),
        Language("hi", "hi", "हिन्दी", gsm7=False, folding="none"),
        Language("bn", "bn", "বাংলা", gsm7=False, folding="none"),
        Language("sw", "sw", "Kiswahili", gsm7=True, folding="gsm7"),
    )
}

SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(LANGUAGES)
DEFAULT_LANGUAGE = "en"

# Primary language subtag → supported tag, for every language whose regional variants all
# read one catalog. Chinese is handled apart because its script decides.
_BY_PRIMARY = {
    "en": "en",
    "es": "es",
    "pt": "pt-BR",
    "fr": "fr",
    "ht": "ht",
    "fil": "fil",
    "tl": "fil",
    "vi": "vi",
    "ar": "ar",
    "hi": "hi",
    "bn": "bn",
    "sw": "sw",
}
_TRADITIONAL_CHINESE_REGIONS = frozenset({"tw", "hk", "mo"})

# language-extlang-script-region-variant, loosely: letters/digits subtags of 1-8 after a
# 2-3 letter primary language. Private-use and grandfathered tags are not languages we
# can serve, so they need not parse.
_WELL_FORMED = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def babel_locale(tag: str) -> str:
    """The Babel locale name for a supported tag (raises `UnsupportedLanguage` otherwise)."""
    return LANGUAGES[normalize_language(tag)].babel_locale


def normalize_language(tag: str) -> str:
    """Return the supported tag for a well-formed BCP-47 tag, or raise `UnsupportedLanguage`.

    Regions collapse onto the one catalog Mutua has for the language ("es-MX" → "es",
    "pt-PT" → "pt-BR"), because a Mexican and a Colombian reader share the catalog; but
    Traditional Chinese is refused rather than answered in Simplified characters.
    """
    if not isinstance(tag, str) or len(tag) > 35 or not _WELL_FORMED.match(tag.strip()):
        raise UnsupportedLanguage(f"{tag!r} is not a well-formed language tag")
    subtags = tag.strip().lower().split("-")
    primary, rest = subtags[0], subtags[1:]
    if primary == "zh":
        if "hant" in rest or ("hans" not in rest and _TRADITIONAL_CHINESE_REGIONS & set(rest)):
            raise UnsupportedLanguage(f"{tag!r}: Traditional Chinese is not supported yet")
        return "zh-Hans"
    if primary not in _BY_PRIMARY:
        raise UnsupportedLanguage(f"{tag!r} is not a language Mutua supports")
    return _BY_PRIMARY[primary]


def _try_normalize(tag: str | None) -> str | None:
    if not tag:
        return None
    try:
        return normalize_language(tag)
    except UnsupportedLanguage:
        return None


def parse_accept_language(header: str) -> list[str]:
    """Language ranges of an `Accept-Language` header, most preferred first.

    A malformed weight counts as 0 (not acceptable), as RFC 9110 leaves it to the server;
    `*` is skipped because it says nothing about which catalog to pick.
    """
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")):
        parts = [part.strip() for part in item.split(";")]
        tag, quality = parts[0], 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and 0.0 < quality <= 1.0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


# Default language for a phone number's country, when the worker has not chosen one.
# Countries where no single language of ours is the clear default (the US, Canada, ...)
# are left out so the pool's default decides.
_REGIONS_BY_LANGUAGE = {
    "es": "MX ES AR CO PE VE CL EC GT CU BO DO HN PY SV NI CR PA UY PR",
    "pt-BR": "BR",
    "fr": "FR SN CI ML BF NE BJ TG GA CG CD GN",
    "ht": "HT",
    "fil": "PH",
    "vi": "VN",
    "zh-Hans": "CN",
    "ar": "SA AE EG DZ JO LB SY IQ KW QA BH OM YE LY SD PS TN MA",
    "hi": "IN",
    "bn": "BD",
    "sw": "KE TZ",
}
_BY_REGION = {
    region: language
    for language, regions in _REGIONS_BY_LANGUAGE.items()
    for region in regions.split()
}


@lru_cache(maxsize=4096)
def language_for_phone(phone_e164: str) -> str | None:
    """The usual language of the phone number's country, or None if there is no clear one.

    Kept for the phones seen lately: every text asks it, and parsing a number is not free."""
    try:
        number = phonenumbers.parse(phone_e164, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    return _BY_REGION.get(region or "")


def choose_language(
    *,
    chosen: str | None,
    accept_language: str | None,
    phone_e164: str | None,
    pool_default: str | None,
) -> str:
    """The language to speak to a worker in.

    In order: the worker's own choice; else the web request's `Accept-Language`; else the
    usual language of the phone number's country; else the pool's default; else English.
    Anything unusable at one step (a stale tag, a language we lack) falls through to the
    next rather than failing, because a message in a second-best language beats none.
    """
    if found := _try_normalize(chosen):
        return found
    for tag in parse_accept_language(accept_language or ""):
        if found := _try_normalize(tag):
            return found
    if phone_e164 and (found := language_for_phone(phone_e164)):
        return found
    return _try_normalize(pool_default) or DEFAULT_LANGUAGE
