"""How a text travels as SMS: GSM-7 or UCS-2, and in how many segments.

A single character outside the GSM 03.38 alphabet (a no-break space Babel put in an amount,
a Spanish "ó") turns a 160-character SMS into a 70-character one, so a message that fit
in one segment becomes three. The helpers here measure that exactly and make text
GSM-7-safe where the reader's language allows it.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
_GSM_CODEC = codecs.lookup("gsm03.38")


@dataclass(frozen=True, slots=True)
class SmsText:
    """A rendered SMS and how it will be sent.

    `characters` counts what the network bills: septets for GSM-7 (an escaped character
    such as `€` or `[` is two) and UTF-16 code units for UCS-2.
    """

    text: str
    encoding: Encoding
    segments: int
    budget: int
    characters: int

    @property
    def within_budget(self) -> bool:
        return self.segments <= self.budget


@cache
def gsm7_cost(char: str) -> int | None:
    """Septets the character takes in GSM-7 (1, or 2 when escaped), None if it has none.

    Cached per character: the monthly run measures a statement for every member, and the
    codec's per-call cost was most of rendering them."""
    try:
        encoded, _ = _GSM_CODEC.encode(char)
    except UnicodeEncodeError:
        return None
    return len(encoded)


def is_gsm7(text: str) -> bool:
    """Whether every character of the text exists in the GSM 03.38 default alphabet."""
    return all(gsm7_cost(char) is not None for char in text)


def _pack(costs: list[int], single: int, multi: int) -> int:
    """Segments for units of the given costs, never splitting one unit across segments.

    A concatenated SMS loses room to its header (160 → 153, 70 → 67), and a gateway
    cannot split an escape sequence or a surrogate pair, so a unit that does not fit in
    what is left of a segment starts the next one.
    """
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments


def sms_encoding(text: str) -> tuple[Encoding, int]:
    """(encoding, segments) of the text sent as one concatenated SMS."""
    encoding, segments, _ = measure(text)
    return encoding, segments


def measure(text: str) -> tuple[Encoding, int, int]:
    """(encoding, segments, billed characters) of the text sent as one concatenated SMS."""
    gsm_costs = [gsm7_cost(char) for char in text]
    if all(cost is not None for cost in gsm_costs):
        costs = [cost for cost in gsm_costs if cost is not None]
        return "GSM-7", _pack(costs, GSM7_SINGLE, GSM7_MULTI), sum(costs)
    costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return "UCS-2", _pack(costs, UCS2_SINGLE, UCS2_MULTI), sum(costs)


# Characters that carry nothing a reader sees but cost a UCS-2 message, or that have a
# GSM-7 twin. Bidi marks go: a phone lays out Arabic right-to-left by itself.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069\ufeff",
    ),
    None,
)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u200a\u2002\u2003"), " ")
_PUNCTUATION = {
    ord("\u2018"): "'",
    ord("\u2019"): "'",
    ord("\u201c"): '"',
    ord("\u201d"): '"',
    ord("\u2013"): "-",
    ord("\u2014"): "-",
    ord("\u2026"): "...",
    ord("\u2011"): "-",
}


def plain_spaces(text: str) -> str:
    """Drop invisible marks and turn no-break spaces into plain ones (every SMS)."""
    return text.translate(_INVISIBLE).translate(_SPACES)


def gsm_punctuation(text: str) -> str:
    """Curly quotes, dashes and the ellipsis as their GSM-7 equivalents."""
    return text.translate(_PUNCTUATION)


# Letters NFD does not decompose into a base letter plus accent.
_FOLD_EXTRA = {"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "œ": "oe", "Œ": "OE"}


@cache
def fold_char(char: str, *, keep_gsm7: bool = True) -> str:
    """The character without its accents; one GSM-7 has stays unless `keep_gsm7` is off."""
    if char.isascii() or (keep_gsm7 and gsm7_cost(char) is not None):
        return char
    if char in _FOLD_EXTRA:
        return _FOLD_EXTRA[char]
    decomposed = unicodedata.normalize("NFD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if base and is_gsm7(base) else char


def fold_accents(text: str, *, keep_gsm7: bool = True) -> str:
    """Drop the accents GSM-7 cannot carry: "contribución" → "contribucion".

    Accents GSM-7 has (é è ñ ü à) stay by default, because they cost nothing and read
    better; `keep_gsm7=False` drops them too, for a language that reads better without
    any than with some.
    """
    return "".join(fold_char(char, keep_gsm7=keep_gsm7) for char in text)
