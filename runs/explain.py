"""What a worker is told about a decision: two factor codes, most important first.

The codes are the catalog's `decision.factor` choices, so the sentence is written in the
worker's language by the `decision.explanation` template; the numbers behind them stay in
the decision's factors for the web page and for an appeal.
"""

from __future__ import annotations

from typing import Any

from runs.models import MemberPlan

SHORT_HISTORY_MONTHS = 6
ON_BENEFIT = "on_benefit"
"""Reason code of a contribution waived, and a smoothing payout not made, in a month the
member was on a benefit (the benefit replaces the income; the pool's rule may waive the
contribution). A catch-up or arrears still falls due: it is owed for earlier months.
Kept here, not beside the planning that sets it, so that reading a plan does not load the
income model."""


def _steadiness(plan: MemberPlan) -> str:
    return "short_history" if plan.history_months < SHORT_HISTORY_MONTHS else "income_volatile"


def explanation_codes(
    kind: str, reason: str, plan: MemberPlan, factors: dict[str, Any]
) -> list[str]:
    owed = int(factors.get("owed_minor", 0) or 0) > 0
    if reason == "on_benefit":  # a contribution waived, a payout not made: on leave pay
        return ["on_benefit", "contribution_waived" if kind != "payout_refused" else "benefit_days"]
    if kind == "benefit":
        if factors.get("reaches_maximum"):
            return ["benefit_days", "benefit_maximum"]
        scaled = float(factors.get("pro_rata_factor", 1.0)) < 1.0
        return ["benefit_days", "reserve_low" if scaled else "benefit_approved"]
    if kind == "contribution":
        if reason == "income_not_reported":
            return ["no_income_reported", "minimum_contribution"]
        if reason == "low_month":
            return ["income_drop", "contribution_share"]
        contribution = float(factors.get("contribution", 0.0) or 0.0)
        income = float(factors.get("income", 0.0) or 0.0)
        rate = plan.contribution_rate_bp / 10_000
        bound = (
            "minimum_contribution"
            if contribution > rate * income + 1e-9
            else "maximum_contribution"
            if contribution < rate * income - 1e-9
            else "same_rate_for_all"
        )
        return ["contribution_share", "low_savings" if owed else bound]
    if kind == "relief":
        return ["income_drop", "catchup_instalment"]
    if kind == "catchup":
        return ["catchup_instalment", "low_savings" if owed else "paid_from_savings"]
    if kind == "arrears_settlement":
        still = int(factors.get("still_owed_minor", 0) or 0) > 0
        return ["arrears_owed", "low_savings" if still else "paid_from_savings"]
    if kind == "payout":
        scaled = float(factors.get("pro_rata_factor", 1.0)) < 1.0
        return ["income_drop", "reserve_low" if scaled else _steadiness(plan)]
    # payout_refused
    if reason == "income_not_reported":
        return ["no_income_reported", "report_income"]
    if reason == "waiting_period":
        return ["income_drop", "waiting_period"]
    if reason == "max_months_reached":
        return ["income_drop", "max_payout_months"]
    return ["income_drop", "reserve_low"]
