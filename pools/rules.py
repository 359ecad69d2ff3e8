"""A pool's rules as stored (integer basis points and minor units) and their defaults.

The defaults come from the actuarial engine's `PoolRules`, so the pool a co-op creates
without naming its rules is the pool the engine prices by default.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from actuarial.payouts import PoolRules
from core.errors import ValidationFailed
from core.money import Money, from_float, to_float

BP = 10_000


class InvalidRules(ValidationFailed):
    slug = "invalid-pool-rules"
    title = "The pool's rules are not valid"


@dataclass(frozen=True)
class StoredRules:
    contribution_rate_bp: int
    min_contribution_minor: int
    max_contribution_minor: int
    replacement_rate_bp: int
    deductible_bp: int
    monthly_payout_cap_minor: int
    max_payout_months_per_12: int
    waiting_period_months: int
    target_ruin_bp: int

    def as_columns(self) -> dict[str, int]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def of(cls, pool: object) -> StoredRules:
        """The rules as a pool row stores them (its columns bear the same names)."""
        return cls(**{field.name: getattr(pool, field.name) for field in fields(cls)})


def default_rules(currency: str) -> StoredRules:
    engine = PoolRules()
    return StoredRules(
        contribution_rate_bp=round(engine.contribution_rate * BP),
        min_contribution_minor=from_float(engine.min_contribution, currency).amount_minor,
        max_contribution_minor=from_float(engine.max_contribution, currency).amount_minor,
        replacement_rate_bp=round(engine.replacement_rate * BP),
        deductible_bp=round(engine.deductible_share * BP),
        monthly_payout_cap_minor=from_float(engine.monthly_cap, currency).amount_minor,
        max_payout_months_per_12=engine.max_payout_months,
        waiting_period_months=engine.waiting_period_months,
        target_ruin_bp=round(engine.target_ruin_probability * BP),
    )


_LIMITS = {
    "contribution_rate_bp": (0, BP),
    "replacement_rate_bp": (0, BP),
    "deductible_bp": (0, BP),
    "max_payout_months_per_12": (0, 12),
    "waiting_period_months": (0, 36),
    "target_ruin_bp": (1, 5000),
    "min_contribution_minor": (0, 10**12),
    "max_contribution_minor": (0, 10**12),
    "monthly_payout_cap_minor": (0, 10**12),
}


def merge_rules(currency: str, given: dict[str, int]) -> StoredRules:
    """The defaults with the rules the administrator named, checked as a whole."""
    merged = default_rules(currency).as_columns()
    for name, value in given.items():
        low, high = _LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidRules(f"{name} must be a whole number from {low} to {high}", field=name)
        merged[name] = value
    rules = StoredRules(**merged)
    if rules.max_contribution_minor < rules.min_contribution_minor:
        raise InvalidRules(
            "max_contribution_minor must not be below min_contribution_minor",
            field="max_contribution_minor",
        )
    return rules


def engine_rules(stored: StoredRules, currency: str) -> PoolRules:
    """The stored rules in the actuarial engine's units (shares and currency units)."""

    def units(minor: int) -> float:
        return to_float(Money(minor, currency))

    return PoolRules(
        contribution_rate=stored.contribution_rate_bp / BP,
        min_contribution=units(stored.min_contribution_minor),
        max_contribution=units(stored.max_contribution_minor),
        replacement_rate=stored.replacement_rate_bp / BP,
        deductible_share=stored.deductible_bp / BP,
        monthly_cap=units(stored.monthly_payout_cap_minor),
        max_payout_months=stored.max_payout_months_per_12,
        waiting_period_months=stored.waiting_period_months,
        target_ruin_probability=stored.target_ruin_bp / BP,
    )
