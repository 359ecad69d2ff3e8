"""What income Mutua accepts: the currencies of the worker's pools, and a ceiling per month.

Currency. A pool prices contributions and payouts from its members' income in the pool's
currency, and Mutua converts no money, so income in a currency none of the worker's pools
uses could never count: it is refused, naming the currencies that would. A worker who is in
no pool yet may record income in any currency (there is nothing to compare it with, and
history recorded before joining is still theirs).

A statement names no currency on its lines. When the worker's pools use exactly one, it is
that one; when they use several, the statement's currency is asked for, never guessed,
because reading yen as dollars is off by a factor of a hundred and fifty.

Ceiling. A month's income on one platform above the worth of about 100,000 US dollars
(scaled by `core.currency_scale`) is refused as a typing slip (an amount in cents entered as
dollars, a few zeros too many): no gig platform pays that in a month, and one such figure
would swamp the worker's income model. A currency without a scale has only the absolute
bound of `core.money`.
"""

from __future__ import annotations

from collections.abc import Collection

from core.currency_scale import scaled
from core.money import MAX_MINOR, normalize_currency
from income.errors import CurrencyNotInPools, CurrencyRequired

MONTHLY_CEILING_DOLLARS = 100_000
"""Most a month on one platform may bring in, in US-dollar-sized units."""


def monthly_ceiling_minor(currency: str) -> int:
    """The largest accepted month's income on one platform, in minor units of `currency`."""
    ceiling = scaled(MONTHLY_CEILING_DOLLARS, currency)
    return MAX_MINOR if ceiling is None else ceiling.amount_minor


def check_currency(currency: str, pool_currencies: Collection[str]) -> str:
    """The normalized code, if the worker may record income in it (see the module)."""
    code = normalize_currency(currency)
    if pool_currencies and code not in pool_currencies:
        allowed = sorted(pool_currencies)
        raise CurrencyNotInPools(
            f"your pools keep their books in {', '.join(allowed)}, not {code}",
            field="currency",
            currencies=allowed,
        )
    return code


def statement_currency(given: str | None, pool_currencies: Collection[str]) -> str:
    """The currency of a statement: the one given, else the worker's only pool currency."""
    if given:
        return check_currency(given, pool_currencies)
    if len(pool_currencies) == 1:
        return next(iter(pool_currencies))
    allowed = sorted(pool_currencies)
    if allowed:
        detail = f"your pools use {', '.join(allowed)}: give ?currency= with one of them"
    else:
        detail = "you are in no pool whose currency could be assumed: give ?currency=XXX"
    raise CurrencyRequired(detail, field="currency", currencies=allowed)
