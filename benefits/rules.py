"""A benefit's rules as an administrator (or an adopted vote) sets them, checked as a whole.

Tiers are a short list of monthly benefit levels, each with the monthly contribution that
buys it; both rise with the level, so a member who chooses more cover pays more for it.
"""

from __future__ import annotations

from typing import Any

from benefits.models import APPROVAL_RULES, BENEFIT_KINDS
from core.errors import NotFound, ValidationFailed
from core.money import MAX_MINOR

MAX_TIERS = 6
DEFAULTS: dict[str, Any] = {
    "qualifying_months": 6,
    "waiting_days": 30,
    "max_months": 24,
    "evidence_required": False,
    "approval": "administrator",
    "approvals_needed": 0,
    "waive_contributions": True,
}
"""A bread fund's usual terms: half a year in before claiming, a month's wait, two years."""
_LIMITS = {
    "qualifying_months": (0, 60),
    "waiting_days": (0, 365),
    "max_months": (1, 60),
    "approvals_needed": (0, 50),
}


class InvalidBenefitRules(ValidationFailed):
    slug = "invalid-benefit-rules"
    title = "The benefit's rules are not valid"


class BenefitNotOffered(NotFound):
    slug = "benefit-not-offered"
    title = "The pool does not offer this benefit"


def check_kind(kind: str) -> str:
    if kind not in BENEFIT_KINDS:
        raise BenefitNotOffered(f"benefits are one of {', '.join(BENEFIT_KINDS)}")
    return kind


def check_tiers(tiers: list[dict[str, int]]) -> list[dict[str, int]]:
    """Tiers numbered from 1 in order, benefit and contribution rising together."""
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise InvalidBenefitRules(f"give 1 to {MAX_TIERS} tiers", field="tiers")
    checked: list[dict[str, int]] = []
    for index, tier in enumerate(tiers, start=1):
        if set(tier) - {"benefit_minor", "contribution_minor", "level"}:
            raise InvalidBenefitRules(
                "a tier has benefit_minor and contribution_minor", field="tiers"
            )
        benefit, contribution = tier.get("benefit_minor"), tier.get("contribution_minor")
        for name, value, low in (
            ("benefit_minor", benefit, 1),
            ("contribution_minor", contribution, 0),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not low <= value <= MAX_MINOR
            ):
                raise InvalidBenefitRules(
                    f"tier {index}'s {name} must be a whole number from {low} to {MAX_MINOR}",
                    field="tiers",
                )
        assert isinstance(benefit, int) and isinstance(contribution, int)
        if checked and (
            benefit <= checked[-1]["benefit_minor"]
            or contribution <= checked[-1]["contribution_minor"]
        ):
            raise InvalidBenefitRules(
                "each tier's benefit and contribution must be above the tier before it",
                field="tiers",
            )
        checked.append(
            {"level": index, "benefit_minor": benefit, "contribution_minor": contribution}
        )
    return checked


def merge_benefit_rules(current: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
    """The current rules (or the defaults) with `given` applied, checked as a whole."""
    merged = dict(DEFAULTS if current is None else current)
    for name, value in given.items():
        if name == "tiers":
            merged["tiers"] = check_tiers(value)
        elif name in _LIMITS:
            low, high = _LIMITS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidBenefitRules(
                    f"{name} must be a whole number from {low} to {high}", field=name
                )
            merged[name] = value
        elif name in ("evidence_required", "waive_contributions"):
            if not isinstance(value, bool):
                raise InvalidBenefitRules(f"{name} is true or false", field=name)
            merged[name] = value
        elif name == "approval":
            if value not in APPROVAL_RULES:
                raise InvalidBenefitRules(
                    f"approval is one of {', '.join(APPROVAL_RULES)}", field=name
                )
            merged[name] = value
        else:
            raise InvalidBenefitRules(f"{name} is not a benefit rule", field=name)
    if "tiers" not in merged:
        raise InvalidBenefitRules("a benefit needs its tiers", field="tiers")
    if merged["approval"] == "members" and merged["approvals_needed"] < 1:
        raise InvalidBenefitRules(
            "approval by members needs approvals_needed of 1 or more", field="approvals_needed"
        )
    return merged


RULE_NAMES = ("tiers", *DEFAULTS)
