"""Reading amounts, months and choices as workers type them on a phone keypad.

"1.234,56", "1 234,56", "1,234.56", "١٢٣٤٫٥٦" (Arabic-Indic), "४५०" (Devanagari) and
"৪৫০" (Bengali) are all numbers someone will text. Digits of any script become ASCII
digits; the separators are then read by their position: the last separator followed by one
or two digits is the decimal point, any other is a thousands separator; a lone separator
followed by exactly three digits is read the way the worker's language writes numbers
(the locale's decimal symbol), since "1.234" is a thousand in Spanish and one in English.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache

from babel import Locale
from babel.numbers import get_decimal_symbol

from core.money import minor_digits
from core.periods import Period
from i18n import LANGUAGES, normalize_language
from i18n.keywords import normalize

_SPACES = "\u00a0\u202f\u2009\u2007 '\u066c"  # spaces, apostrophes and the Arabic "٬"
_NUMBER = re.compile(r"^[0-9][0-9.,]*$")


def ascii_digits(text: str) -> str:
    """Every decimal digit of any script as its ASCII digit; other characters unchanged."""
    out = []
    for char in text:
        value = unicodedata.decimal(char, None)
        out.append(str(value) if value is not None and not char.isascii() else char)
    return "".join(out).replace("\u066b", ".")  # Arabic decimal separator "٫"


def _decimal_symbol(language: str) -> str:
    locale = LANGUAGES[normalize_language(language)].babel_locale
    return str(get_decimal_symbol(locale))


def parse_number(token: str, language: str) -> Decimal | None:
    """The number a worker typed, or None when the token is not one."""
    text = ascii_digits(token.strip())
    text = "".join(char for char in text if char not in _SPACES)
    text = text.strip("$€£¥₹৳₱₫")
    if not text or not _NUMBER.match(text):
        return None
    separators = [(index, char) for index, char in enumerate(text) if char in ".,"]
    if not separators:
        return Decimal(text)
    last_index, last = separators[-1]
    tail = len(text) - last_index - 1
    kinds = {char for _, char in separators}
    if len(kinds) == 2 or tail in (1, 2):
        decimal_mark = last if tail in (1, 2) or len(kinds) == 2 else None
    elif len(separators) == 1 and tail == 3:
        decimal_mark = last if last == _decimal_symbol(language) else None
    else:
        decimal_mark = None
    if decimal_mark is not None and sum(1 for _, c in separators if c == decimal_mark) > 1:
        return None
    whole, _, fraction = text.rpartition(decimal_mark) if decimal_mark else (text, "", "")
    whole = whole.replace(".", "").replace(",", "")
    if decimal_mark is None:
        # Thousands groups must be three digits: "1,23" or "12.3456" is a typo, not money.
        groups = re.split(r"[.,]", text)
        if any(len(group) != 3 for group in groups[1:]):
            return None
    try:
        return Decimal(f"{whole or '0'}.{fraction}" if fraction else whole)
    except InvalidOperation:
        return None


def amount_minor(value: Decimal, currency: str) -> int | None:
    """The amount in minor units, or None when it has more decimals than the currency."""
    scaled = value.scaleb(minor_digits(currency))
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


@cache
def _month_names(language: str) -> dict[str, int]:
    """Folded month names and abbreviations of the language (and English) → month."""
    names: dict[str, int] = {}
    for tag in ("en", language):
        locale = Locale.parse(LANGUAGES[tag].babel_locale)
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for month, name in locale.months[context][width].items():
                    folded = normalize(str(name))[0].strip(". ")
                    if folded:
                        names.setdefault(folded, int(month))
    return names


def parse_month(token: str, language: str, current: Period) -> Period | None:
    """A month the worker named: `11`, `2026-11`, `11/2026`, `nov`, `noviembre`.

    A month number or name alone is the latest such month that is not after `current`:
    income is reported for months that happened.
    """
    text = ascii_digits(token.strip().rstrip("."))
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{4})", text)
    if match:
        year = int(match.group(1) or match.group(4))
        month = int(match.group(2) or match.group(3))
        return Period(year, month) if 1 <= month <= 12 and 1970 <= year <= 2200 else None
    month_number: int | None = None
    if re.fullmatch(r"\d{1,2}", text):
        month_number = int(text)
    else:
        month_number = _month_names(normalize_language(language)).get(normalize(text)[0])
    if month_number is None or not 1 <= month_number <= 12:
        return None
    year = current.year if month_number <= current.month else current.year - 1
    return Period(year, month_number)


def parse_choice(text: str) -> int | None:
    """A menu number ("2", "٢", " 2. "), or None."""
    digits = ascii_digits(text.strip().rstrip("."))
    return int(digits) if re.fullmatch(r"\d{1,2}", digits) else None
