"""Recognising SMS keywords (JOIN, SALDO, 余额, رصيد ...) in any of Mutua's languages.

The words live in the catalogs, next to the messages that tell workers what to text, so a
translator changes both together. Matching ignores case, accents and Arabic letter
variants because people text "ayuda", "AYUDA" and "Ayúda" alike; the English word always
works, since many workers learnt the service from an English flyer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from babel import Locale

from i18n.languages import LANGUAGES, SUPPORTED_LANGUAGES, UnsupportedLanguage, normalize_language
from i18n.registry import KEYWORDS, Command
from i18n.render import translate

# Arabic letters texted interchangeably; alef variants and hamza seats go with the marks.
_ARABIC = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None})
_SEPARATORS = " \t\r\n.,;:!?¿¡-_*#\"'()[]"


@dataclass(frozen=True, slots=True)
class Keyword:
    """A keyword found at the start of an SMS, and what followed it ("JOIN ABC123")."""

    command: Command
    argument: str
    word: str
    """The keyword as the worker typed it."""


def _fold(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.translate(_ARABIC).casefold().replace("đ", "d")


def normalize(text: str) -> tuple[str, list[int]]:
    """The text folded for matching, and for each folded character its original index."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in _fold(char):
            folded.append(piece)
            origin.append(index)
    return "".join(folded), origin


def local_words(language: str) -> dict[str, Command]:
    """Folded keyword → command, for one language's catalog plus the English words."""
    return dict(_local_words(normalize_language(language)))


@cache
def _local_words(language: str) -> tuple[tuple[str, Command], ...]:
    words: dict[str, Command] = {}
    for source in ("en", language):
        for command, message in KEYWORDS.items():
            for word in translate(message, source).split(","):
                folded = " ".join(normalize(word)[0].split())
                if folded:
                    words.setdefault(folded, command)
    # Longest first, so "por que" wins over a shorter word it starts with.
    return tuple(sorted(words.items(), key=lambda item: -len(item[0])))


def _is_boundary(folded: str, end: int, word: str) -> bool:
    # A vowel sign (Bengali "যোগা…", Hindi "बंदर") continues the word as a letter does.
    if end >= len(folded):
        return True
    following = folded[end]
    if not following.isalnum() and not unicodedata.category(following).startswith("M"):
        return True
    # Chinese is written without spaces: "加入ABC123" is JOIN with argument ABC123.
    return not word[-1].isascii() and unicodedata.name(word[-1], "").startswith("CJK")


def match_keyword(text: str, language: str | None = None) -> Keyword | None:
    """The keyword an SMS starts with, or None.

    With a language, its words and the English ones are tried; without one (an unknown
    sender), every language's. Spaces inside the message are collapsed before matching so
    "por   que" still reads as WHY.
    """
    stripped = text.lstrip(_SEPARATORS)
    folded, origin = normalize(stripped)
    collapsed, collapsed_origin = _collapse_spaces(folded, origin)
    words = _local_words(normalize_language(language)) if language else _all_words()
    for word, command in words:
        if collapsed.startswith(word) and _is_boundary(collapsed, len(word), word):
            end = collapsed_origin[len(word)] if len(word) < len(collapsed) else len(stripped)
            argument = stripped[end:].lstrip(_SEPARATORS).rstrip()
            return Keyword(command, argument, stripped[:end].strip())
    return None


@cache
def _all_words() -> tuple[tuple[str, Command], ...]:
    words: dict[str, Command] = {}
    for language in SUPPORTED_LANGUAGES:
        for word, command in _local_words(language):
            words.setdefault(word, command)
    return tuple(sorted(words.items(), key=lambda item: -len(item[0])))


def _collapse_spaces(folded: str, origin: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    out_origin: list[int] = []
    for char, index in zip(folded, origin, strict=True):
        if char.isspace():
            if out and out[-1] == " ":
                continue
            char = " "
        out.append(char)
        out_origin.append(index)
    return "".join(out), out_origin


# Names Babel does not give for the languages, as workers type them.
_EXTRA_NAMES = {
    "ht": ("kreyol", "creole", "haitian creole", "kreyol ayisyen"),
    "fil": ("tagalog",),
    "bn": ("bangla",),
    "hi": ("हिंदी",),
    "zh-Hans": ("中文简体", "简体中文", "普通话", "mandarin"),
}


@cache
def _language_names() -> dict[str, str]:
    """Folded language name → tag: each language's name in each of the twelve languages."""
    names: dict[str, str] = {}
    for tag, language in LANGUAGES.items():
        target = Locale.parse(language.babel_locale)
        spellings = [language.native_name, *_EXTRA_NAMES.get(tag, ())]
        for viewer in LANGUAGES.values():
            spellings.append(target.get_language_name(viewer.babel_locale) or "")
        for spelling in spellings:
            folded = " ".join(normalize(spelling)[0].split())
            if folded:
                names.setdefault(folded, tag)
    return names


def parse_language_choice(text: str) -> str:
    """The language a worker asked for after LANG: a tag ("es", "pt-BR") or a name.

    People answer "LANG español", "LANG kreyol" or "LANG 中文" as often as they use a code,
    so names in any of the twelve languages are understood. Raises `UnsupportedLanguage`.
    """
    cleaned = text.strip().strip(_SEPARATORS)
    try:
        return normalize_language(cleaned)
    except UnsupportedLanguage:
        folded = " ".join(normalize(cleaned)[0].split())
        if folded in _language_names():
            return _language_names()[folded]
        raise
