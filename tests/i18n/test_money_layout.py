"""The fast money layout writes exactly what Babel writes, in every language and currency."""

from __future__ import annotations

from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import Money
from i18n import LANGUAGES
from i18n.formatting import _currency, _layout, _locale
from i18n.registry import POOL_CURRENCIES

LOCALES = sorted({language.babel_locale for language in LANGUAGES.values()})


def babel(amount: Money, locale: str) -> str:
    return format_currency(amount.decimal, amount.currency, locale=_locale(locale))


def test_every_language_and_pool_currency_has_a_checked_layout() -> None:
    missing = [(c, loc) for c in POOL_CURRENCIES for loc in LOCALES if _layout(c, loc) is None]
    assert not missing, f"these fall back to Babel: {missing}"


@settings(max_examples=400, deadline=None)
@given(
    minor=st.integers(min_value=0, max_value=10**15),
    currency=st.sampled_from((*POOL_CURRENCIES, "JPY", "KWD", "CLF")),
    locale=st.sampled_from(LOCALES),
)
def test_the_layout_writes_what_babel_writes(minor: int, currency: str, locale: str) -> None:
    amount = Money(minor, currency)
    assert _currency(amount, locale) == babel(amount, locale)


def test_negative_amounts_are_left_to_babel() -> None:
    amount = Money(-12345, "USD")
    assert _currency(amount, "en") == babel(amount, "en") == "-$123.45"
