"""What an amount "about the size of one US dollar" is in each currency, for defaults only.

A currency's minor-unit digits say nothing about its value: a yen and a Korean won have no
decimals but are worth a fraction of a cent, a Kuwaiti dinar has three and is worth about
three dollars, a Tunisian dinar has three too and is worth a third of one. So a default
stated as "1,000 units" is a sensible payout cap in dollars and euros, a pittance in yen and
dong, and too much in dinars. Mutua states its money defaults (pool rules, the ceiling on a
month's income) once, in US-dollar-sized units, and scales them by this table.

The figures are market rates rounded to two significant digits, as they stood in 2025. They
are never used to convert money: they only size defaults and sanity checks, where being off
by a third is harmless and a round local figure reads better than an exact conversion.
A currency missing here has no scaled default: callers ask for the amount instead of
guessing it (see `pools.rules` and `income`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from core.money import Money, minor_digits, normalize_currency

_UNITS_PER_DOLLAR: dict[str, str] = {
    # The Americas
    "USD": "1", "CAD": "1.4", "MXN": "19", "GTQ": "7.7", "HNL": "26", "NIO": "37",
    "CRC": "510", "DOP": "60", "HTG": "130", "JMD": "160", "COP": "4100", "PEN": "3.6",
    "BOB": "6.9", "BRL": "5.5", "CLP": "950", "PYG": "8000", "UYU": "40",
    # Europe
    "EUR": "0.9", "GBP": "0.8", "CHF": "0.9", "SEK": "9.6", "NOK": "10", "DKK": "6.5",
    "ISK": "125", "PLN": "3.7", "CZK": "21", "HUF": "350", "RON": "4.4", "BGN": "1.7",
    "RSD": "105", "ALL": "90",
    # Africa and the Middle East
    "KES": "130", "TZS": "2600", "UGX": "3700", "RWF": "1400", "BIF": "2900",
    "NGN": "1500", "GHS": "12", "ZAR": "18", "EGP": "50", "MAD": "9.5", "DZD": "130",
    "TND": "3", "LYD": "5.4", "XOF": "570", "XAF": "570", "GNF": "8600", "KMF": "450",
    "DJF": "180", "MGA": "4500", "ILS": "3.5", "AED": "3.7", "SAR": "3.8", "QAR": "3.6",
    "JOD": "0.71", "KWD": "0.31", "BHD": "0.38", "OMR": "0.38", "IQD": "1300", "YER": "250",
    # Asia and the Pacific
    "INR": "85", "BDT": "120", "PKR": "280", "NPR": "135", "LKR": "300", "CNY": "7.2",
    "HKD": "7.8", "TWD": "32", "JPY": "150", "KRW": "1400", "PHP": "57", "VND": "25000",
    "THB": "33", "MYR": "4.3", "SGD": "1.3", "IDR": "16000", "LAK": "21000", "MMK": "2100",
    "AUD": "1.5", "NZD": "1.7", "XPF": "110", "VUV": "120",
}  # fmt: skip

UNITS_PER_DOLLAR: dict[str, Decimal] = {
    code: Decimal(rate) for code, rate in _UNITS_PER_DOLLAR.items()
}
"""Units of each listed currency worth about one US dollar, to two significant digits."""


def has_scale(currency: str) -> bool:
    """Whether Mutua can size a default amount in this currency."""
    return normalize_currency(currency) in UNITS_PER_DOLLAR


def scaled(dollars: Decimal | int, currency: str) -> Money | None:
    """`dollars` US-dollar-sized units in `currency`, as a round figure; None if unlisted.

    The product is rounded to two significant digits and then to the currency's minor unit,
    so a default reads as a local round number (¥150,000, KWD 310.000, ₫25,000,000) rather
    than as the result of a conversion.
    """
    code = normalize_currency(currency)
    rate = UNITS_PER_DOLLAR.get(code)
    if rate is None:
        return None
    units = Decimal(dollars) * rate
    if units:
        exponent = units.adjusted() - 1  # keep two significant digits
        units = units.scaleb(-exponent).quantize(Decimal(1), ROUND_HALF_EVEN).scaleb(exponent)
    minor = units.scaleb(minor_digits(code)).quantize(Decimal(1), ROUND_HALF_EVEN)
    return Money(int(minor), code)
