"""Stored pool rules and the actuarial engine's rules describe the same pool."""

from __future__ import annotations

import pytest

from actuarial.payouts import PoolRules
from pools.rules import InvalidRules, StoredRules, default_rules, engine_rules, merge_rules


@pytest.mark.parametrize(("currency", "cents"), [("USD", 100), ("JPY", 1), ("KWD", 1000)])
def test_the_default_pool_is_the_pool_the_engine_prices_by_default(
    currency: str, cents: int
) -> None:
    stored = default_rules(currency)
    assert stored.min_contribution_minor == 5 * cents
    engine = engine_rules(stored, currency)
    defaults = PoolRules()
    assert engine.contribution_rate == defaults.contribution_rate
    assert engine.deductible_share == defaults.deductible_share
    assert engine.monthly_cap == defaults.monthly_cap
    assert engine.max_contribution == defaults.max_contribution
    assert engine.target_ruin_probability == defaults.target_ruin_probability


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
