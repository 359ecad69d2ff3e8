"""Money, months, dates and numbers in the worker's locale, through Babel.

Formatting is the same for the web and for SMS except for currency symbols: in a language
whose SMS travel as GSM-7, a symbol GSM-7 lacks (₹, ₱, ₫) would turn the whole message into
UCS-2, so the SMS shows the short form its readers already use on receipts (`Rs`, `PHP`).
"""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_skeleton
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol

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


def format_money(amount: Money, locale: str, *, gsm7_symbols: bool = False) -> str:
    """The amount as the locale writes it; with `gsm7_symbols`, only GSM-7 symbols."""
    formatted = _currency_spacing(format_currency(amount.decimal, amount.currency, locale=locale))
    if not gsm7_symbols:
        return formatted
    symbol = get_currency_symbol(amount.currency, locale=locale)
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


def format_percent_points(points: int, locale: str) -> str:
    """A whole percentage (45 → "45%", "45 %" in French) with the locale's sign."""
    return format_percent(points / 100, locale=locale)
