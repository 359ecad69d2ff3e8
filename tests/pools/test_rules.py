"""Stored pool rules and the actuarial engine's rules describe the same pool."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actuarial.payouts import PoolRules
from core.money import Money
from pools.rules import (
    InvalidRules,
    PoolRulesRequired,
    StoredRules,
    default_rules,
    engine_rules,
    merge_rules,
)


def test_the_default_dollar_pool_is_the_pool_the_engine_prices_by_default() -> None:
    engine, defaults = engine_rules(default_rules("USD"), "USD"), PoolRules()
    assert engine == defaults


@pytest.mark.parametrize(
    ("currency", "cap", "min_contribution"),
    [
        ("USD", Decimal("1000.00"), Decimal("5.00")),
        ("JPY", Decimal("150000"), Decimal("750")),  # not a ¥1,000 cap (about $7)
        ("VND", Decimal("25000000"), Decimal("120000")),
        ("KWD", Decimal("310.000"), Decimal("1.600")),  # not KWD 1,000 (about $3,250)
        ("TND", Decimal("3000.000"), Decimal("15.000")),  # three decimals, a small unit
    ],
)
def test_default_amounts_are_round_local_figures_of_about_the_same_worth(
    currency: str, cap: Decimal, min_contribution: Decimal
) -> None:
    stored = default_rules(currency)
    assert Money(stored.monthly_payout_cap_minor, currency).decimal == cap
    assert Money(stored.min_contribution_minor, currency).decimal == min_contribution
    engine, defaults = engine_rules(stored, currency), PoolRules()
    # Shares and counts do not depend on the currency.
    assert engine.contribution_rate == defaults.contribution_rate
    assert engine.deductible_share == defaults.deductible_share
    assert engine.max_payout_months == defaults.max_payout_months
    assert engine.target_ruin_probability == defaults.target_ruin_probability
    # Amounts keep the engine's proportions, give or take the rounding to a round figure.
    ratio = engine.monthly_cap / engine.min_contribution
    assert ratio == pytest.approx(defaults.monthly_cap / defaults.min_contribution, rel=0.05)


def test_a_currency_without_a_scale_must_name_its_amounts() -> None:
    with pytest.raises(PoolRulesRequired) as refused:
        merge_rules("AMD", {"monthly_payout_cap_minor": 40_000_000})
    assert refused.value.extra["missing"] == ["min_contribution_minor", "max_contribution_minor"]
    given = {"min_contribution_minor": 200_000, "max_contribution_minor": 8_000_000}
    rules = merge_rules("AMD", {**given, "monthly_payout_cap_minor": 40_000_000})
    assert rules.max_contribution_minor == 8_000_000
    assert rules.contribution_rate_bp == default_rules("USD").contribution_rate_bp


def test_named_rules_override_defaults_and_are_checked_as_a_whole() -> None:
    rules = merge_rules("USD", {"deductible_bp": 2500, "monthly_payout_cap_minor": 40_000})
    engine = engine_rules(rules, "USD")
    assert (engine.deductible_share, engine.monthly_cap) == (0.25, 400.0)
    with pytest.raises(InvalidRules):
        merge_rules("USD", {"min_contribution_minor": 30_000, "max_contribution_minor": 100})
    with pytest.raises(InvalidRules):
        merge_rules("USD", {"replacement_rate_bp": 10_001})


def test_rules_read_back_from_a_pool_row() -> None:
    class Row:
        pass

    row = Row()
    for name, value in default_rules("USD").as_columns().items():
        setattr(row, name, value)
    assert StoredRules.of(row) == default_rules("USD")
