"""Money, months, dates and numbers in the worker's locale, through Babel.

Formatting is the same for the web and for SMS except for currency symbols: in a language
whose SMS travel as GSM-7, a symbol GSM-7 lacks (₹, ₱, ₫) would turn the whole message into
UCS-2, so the SMS shows the short form its readers already use on receipts (`Rs`, `PHP`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from core.money import Money
from core.periods import Period
from i18n.sms import is_gsm7

# What a reader of a Latin-script SMS expects instead of a symbol GSM-7 lacks; any other
# such currency falls back to its ISO code.
SMS_CURRENCY_SYMBOLS = {
    "INR": "Rs",
    "PHP": "PHP",
    "VND": "VND",
    "BDT": "Tk",
    "CNY": "CNY",
    "KES": "KSh",
}


@cache
def _locale(locale: str) -> Locale:
    """Parsed once: the monthly run formats amounts for a hundred thousand members."""
    return Locale.parse(locale)


@dataclass(frozen=True, slots=True)
class _Layout:
    """How a locale writes an amount of one currency, read off Babel once."""

    prefix: str
    suffix: str
    decimal: str
    group: str
    primary: int
    secondary: int
    digits: int

    def write(self, minor: int) -> str:
        units, cents = divmod(minor, 10**self.digits)
        text = str(units)
        grouped = text[-self.primary :]
        text = text[: -self.primary]
        while text:
            grouped = text[-self.secondary :] + self.group + grouped
            text = text[: -self.secondary]
        if self.digits:
            grouped += self.decimal + str(cents).rjust(self.digits, "0")
        return self.prefix + grouped + self.suffix


_PROBES = (0, 7, 99, 100, 1_234, 100_000, 1_234_567, 99_999_999, 123_456_789_012)


@cache
def _layout(currency: str, locale: str) -> _Layout | None:
    """The locale's layout for the currency, or None where it is not a plain pattern.

    Babel takes a few hundred microseconds an amount, and the monthly run writes a statement
    for every member; so the layout is read once and checked against Babel on amounts of
    every length, and any locale or currency it does not reproduce exactly keeps Babel.
    """
    parsed = _locale(locale)
    pattern = parsed.currency_formats["standard"]
    symbol = get_currency_symbol(currency, locale=parsed)
    digits = get_currency_precision(currency)
    layout = _Layout(
        prefix=pattern.prefix[0].replace("¤", symbol),
        suffix=pattern.suffix[0].replace("¤", symbol),
        decimal=get_decimal_symbol(parsed),
        group=get_group_symbol(parsed),
        primary=pattern.grouping[0],
        secondary=pattern.grouping[1],
        digits=digits,
    )
    for minor in _PROBES:
        value = Money(minor, currency).decimal
        if layout.write(minor) != format_currency(value, currency, locale=parsed):
            return None
    return layout


def _currency(amount: Money, locale: str) -> str:
    layout = _layout(amount.currency, locale) if amount.amount_minor >= 0 else None
    if layout is not None:
        return layout.write(amount.amount_minor)
    return format_currency(amount.decimal, amount.currency, locale=_locale(locale))


def format_money(amount: Money, locale: str, *, gsm7_symbols: bool = False) -> str:
    """The amount as the locale writes it; with `gsm7_symbols`, only GSM-7 symbols."""
    parsed = _locale(locale)
    formatted = _currency_spacing(_currency(amount, locale))
    if not gsm7_symbols:
        return formatted
    symbol = get_currency_symbol(amount.currency, locale=parsed)
    if is_gsm7(symbol):
        return formatted
    plain = SMS_CURRENCY_SYMBOLS.get(amount.currency, amount.currency)
    return _currency_spacing(formatted.replace(symbol, plain))


# CLDR's currencySpacing, which Babel does not apply: a symbol that ends (or starts) with
# a letter is kept apart from the digits ("USD 9,999.99", not "USD9,999.99").
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def _currency_spacing(formatted: str) -> str:
    return _LETTER_THEN_DIGIT.sub("\u00a0", formatted)


# CLDR has no month names for Haitian Creole and falls back to French ones; a Kreyòl
# reader says "septanm", not "septembre".
_KREYOL_MONTHS = "janvye fevriye mas avril me jen jiyè out septanm oktòb novanm desanm"
_MONTHS = {"ht": _KREYOL_MONTHS.split()}


@lru_cache(maxsize=4096)
def format_period(period: Period, locale: str) -> str:
    """The month and year as the locale says it ("septiembre de 2026", "2026年9月")."""
    if locale in _MONTHS:
        return f"{_MONTHS[locale][period.month - 1]} {period.year}"
    return format_skeleton("yMMMM", period.first_day, locale=locale)


def format_day(day: date, locale: str) -> str:
    if locale in _MONTHS:
        return f"{day.day} {_MONTHS[locale][day.month - 1]} {day.year}"
    return format_skeleton("yMMMd", day, locale=locale)


def format_count(number: int, locale: str) -> str:
    return format_decimal(number, locale=locale)


@lru_cache(maxsize=16384)
def format_percent_points(points: int, locale: str) -> str:
    """A whole percentage (45 → "45%", "45 %" in French) with the locale's sign."""
    return format_percent(points / 100, locale=locale)
