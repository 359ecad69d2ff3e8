"""A pool's rules as stored (integer basis points and minor units) and their defaults.

The defaults come from the actuarial engine's `PoolRules`, so the pool a co-op creates
without naming its rules is the pool the engine prices by default. The engine states its
amounts in dollar-sized units; a pool in another currency gets them scaled to a round local
figure (`core.currency_scale`), so a yen pool's payout cap is ¥150,000 and not ¥1,000. A
currency Mutua has no scale for gets no guessed amounts: its pool must name them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from actuarial.payouts import PoolRules
from core.currency_scale import scaled
from core.errors import ValidationFailed
from core.money import Money, to_float

BP = 10_000


class InvalidRules(ValidationFailed):
    slug = "invalid-pool-rules"
    title = "The pool's rules are not valid"


class PoolRulesRequired(ValidationFailed):
    """The pool's currency has no scaled default amounts; `extra.missing` names the rules."""

    slug = "pool-rules-required"
    title = "The pool's amount rules must be given for this currency"


MONEY_RULES = ("min_contribution_minor", "max_contribution_minor", "monthly_payout_cap_minor")
"""Rules that are amounts of the pool's currency, scaled per currency by default."""


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


def _defaults(currency: str) -> dict[str, int | None]:
    """The engine's defaults in stored units; None for an amount the currency cannot scale."""
    engine = PoolRules()

    def amount(units: float) -> int | None:
        money = scaled(Decimal(repr(units)), currency)
        return None if money is None else money.amount_minor

    return {
        "contribution_rate_bp": round(engine.contribution_rate * BP),
        "min_contribution_minor": amount(engine.min_contribution),
        "max_contribution_minor": amount(engine.max_contribution),
        "replacement_rate_bp": round(engine.replacement_rate * BP),
        "deductible_bp": round(engine.deductible_share * BP),
        "monthly_payout_cap_minor": amount(engine.monthly_cap),
        "max_payout_months_per_12": engine.max_payout_months,
        "waiting_period_months": engine.waiting_period_months,
        "target_ruin_bp": round(engine.target_ruin_probability * BP),
    }


def default_rules(currency: str) -> StoredRules:
    """The rules a pool in `currency` gets when it names none (`PoolRulesRequired` for a
    currency without scaled amounts)."""
    return merge_rules(currency, {})


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
    merged = _defaults(currency)
    for name, value in given.items():
        low, high = _LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidRules(f"{name} must be a whole number from {low} to {high}", field=name)
        merged[name] = value
    missing = [name for name in MONEY_RULES if merged[name] is None]
    if missing:
        raise PoolRulesRequired(
            f"Mutua has no default amounts in {currency}; give {', '.join(missing)} "
            "in the pool's rules",
            missing=missing,
        )
    rules = StoredRules(**{name: value for name, value in merged.items() if value is not None})
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


def changed_rules(current: StoredRules, changes: dict[str, int]) -> StoredRules:
    """`current` with `changes` applied, checked as `merge_rules` checks a new pool's."""
    if not changes:
        raise InvalidRules("name at least one rule to change")
    merged = current.as_columns()
    for name, value in changes.items():
        if name not in _LIMITS:
            raise InvalidRules(f"{name} is not a pool rule", field=name)
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
