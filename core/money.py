"""Money as an integer number of minor units beside an ISO 4217 code.

Floats never hold money outside `actuarial/`; where a model's float becomes money it goes
through `from_float`, the one rounding rule, so a payout computed twice rounds the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

import numpy as np
from babel.numbers import get_currency_precision, list_currencies
from numpy.typing import NDArray

from core.errors import InvalidAmount, UnknownCurrency

# Codes in ISO 4217 that are not money a worker can earn: metals, funds, test and "no
# currency" codes. The X-prefixed ones that are real regional currencies stay allowed.
_REAL_X_CURRENCIES = frozenset({"XAF", "XOF", "XCD", "XPF"})
MAX_MINOR = 10**15
"""Upper bound on any single amount: far above any income, far below BIGINT overflow."""


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes accepted for pools, income and the ledger."""
    return frozenset(
        code
        for code in list_currencies()
        if len(code) == 3 and (not code.startswith("X") or code in _REAL_X_CURRENCIES)
    )


def normalize_currency(code: str) -> str:
    """Return the upper-case ISO 4217 code or raise `UnknownCurrency`."""
    upper = code.strip().upper() if isinstance(code, str) else ""
    if upper not in known_currencies():
        raise UnknownCurrency(code)
    return upper


def minor_digits(currency: str) -> int:
    """Number of decimal digits of the currency's minor unit (USD 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(normalize_currency(currency)))


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: `amount_minor` minor units of `currency`."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise InvalidAmount("amount must be an integer number of minor units")
        if abs(self.amount_minor) > MAX_MINOR:
            raise InvalidAmount("amount is out of range")
        object.__setattr__(self, "currency", normalize_currency(self.currency))

    @property
    def decimal(self) -> Decimal:
        """The amount in currency units, exactly (for formatting, never for arithmetic)."""
        return Decimal(self.amount_minor).scaleb(-minor_digits(self.currency))


def parse_amount(text: str, currency: str) -> Money:
    """Parse a decimal amount in currency units ("123.45") exactly.

    More decimals than the currency has is an error rather than a silent rounding: a
    statement line of "10.005" USD is a data problem the worker should see.
    """
    digits = minor_digits(currency)
    cleaned = text.strip().replace(",", "") if isinstance(text, str) else ""
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidAmount(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise InvalidAmount(f"{text!r} is not a number")
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(f"{text!r} has more than {digits} decimals for {currency}")
    return Money(int(scaled), currency)


def from_float(value: float, currency: str) -> Money:
    """Turn a model's float (currency units) into money: round half to even, once."""
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidAmount("model produced a non-finite amount")
    digits = minor_digits(currency)
    minor = Decimal(repr(value)).scaleb(digits).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return Money(int(minor), currency)


def to_float(money: Money) -> float:
    """Money in currency units as a float, for the actuarial models only."""
    return float(money.decimal)


def from_floats(values: NDArray[np.float64], currency: str) -> NDArray[np.int64]:
    """`from_float` over an array: the same rule (half to even on the decimal value), for
    the monthly run's hundred thousand amounts at once.

    Values far from a tie round in numpy; the few within a hair of one (where the binary
    product and the decimal value could part ways) go through `from_float` itself.
    """
    array = np.asarray(values, dtype=np.float64)
    if not np.isfinite(array).all():
        raise InvalidAmount("model produced a non-finite amount")
    scaled = array * 10.0 ** minor_digits(currency)
    out = np.rint(scaled).astype(np.int64)
    near_tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for i in np.flatnonzero(near_tie):
        out[i] = from_float(float(array[i]), currency).amount_minor
    return out


def floor_floats(values: NDArray[np.float64], currency: str) -> NDArray[np.int64]:
    """Model amounts rounded down to minor units: how payouts become money, so that what
    is paid never exceeds what the rules (and the reserve) allow."""
    array = np.maximum(np.asarray(values, dtype=np.float64), 0.0)
    return np.floor(array * 10.0 ** minor_digits(currency) + 1e-9).astype(np.int64)
