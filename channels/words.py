"""What a text asks for: opt-out words first, then the conversation's keywords.

Twilio's own opt-out and help words are matched on the whole message, as Twilio matches
them (a worker texting "stop" is stopped; "stop by tomorrow" is not Twilio's STOP but is
still read by the catalogs' STOP keyword, which only needs to start the message). The
catalogs' local words in every language cover the rest (`ALTO`, `退订`, `SITISHA`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from i18n import SUPPORTED_LANGUAGES, Command, match_keyword
from i18n.keywords import local_words, normalize

TWILIO_STOP = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
TWILIO_START = frozenset({"start", "unstop"})
"""Twilio's YES also opts back in; it is read as START only from a stopped phone, since a
worker who is not stopped says YES to confirm income."""
TWILIO_HELP = frozenset({"help", "info"})
ALIASES = {"target": Command.SAVE, "earned": Command.INCOME, "earnings": Command.INCOME}
"""English words the catalogs do not list but flyers and workers use."""


@dataclass(frozen=True, slots=True)
class Read:
    """A command read from a text, its argument, and the keyword as typed."""

    command: Command
    argument: str
    word: str


def _whole(text: str) -> str:
    return " ".join(normalize(text)[0].split()).strip(" .!?¡¿")


def opt_out_word(text: str) -> Command | None:
    """STOP, START or HELP when the whole message is one of Twilio's words for it."""
    whole = _whole(text)
    if whole in TWILIO_STOP:
        return Command.STOP
    if whole in TWILIO_START:
        return Command.START
    if whole in TWILIO_HELP:
        return Command.HELP
    return None


def read(text: str, language: str | None) -> Read | None:
    """The command a text starts with, in the language given, English, or any language."""
    found = match_keyword(text, language) if language else None
    if found is None:
        found = match_keyword(text)
    if found is not None:
        return Read(found.command, found.argument, found.word)
    first, _, rest = text.strip().partition(" ")
    alias = ALIASES.get(_whole(first))
    if alias is not None:
        return Read(alias, rest.strip(), first)
    return None


@cache
def _english_words() -> frozenset[str]:
    return frozenset(local_words("en"))


def language_of_word(word: str, phone_language: str | None) -> str | None:
    """The language whose catalog has the keyword a stranger texted, if only one does.

    An English word says nothing (it works everywhere); a word several languages share
    ("SALDO") is read as the phone country's language when that is one of them.
    """
    folded = " ".join(normalize(word)[0].split())
    if not folded or folded in _english_words():
        return None
    candidates = [
        language
        for language in SUPPORTED_LANGUAGES
        if language != "en" and folded in local_words(language)
    ]
    if phone_language in candidates:
        return phone_language
    return candidates[0] if candidates else None
