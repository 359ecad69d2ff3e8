"""Pricing the pool: the contribution rate that keeps the 12-month ruin probability on target.

Members pay a share of each month's income (within the pool's minimum and maximum, and with
low-month relief and its catch-ups priced in); the pool pays smoothing payouts by its rules.
We look for the smallest rate at which the probability that the reserve cannot pay in full
within the horizon is at most the pool's target (0.5% by default). Common shocks are what
drive the answer: a platform-wide downturn hits many members at once and lasts months, so
the pool needs a loading well above its expected payouts however many members it has.

The search runs on one set of scenarios (common random numbers), so the estimated ruin
probability falls monotonically as the rate rises and the answer does not jitter between
runs. The result carries the factors an administrator needs to understand the figure.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from actuarial.benefits import BenefitLoad
from actuarial.payouts import PoolRules
from actuarial.risk import CommonShock, MemberRisk
from actuarial.ruin import RuinReport
from actuarial.ruin_clt import CltPool, CltScenarios

FloatArray = NDArray[np.float64]

MAX_RATE = 0.5
"""Highest rate the search will consider: beyond half of income a pool is not smoothing."""


class PricingOutcome:
    """Stable codes for how the rate was determined."""

    TARGET_MET = "target_met"
    """The rate is the smallest at which the ruin probability is on target."""
    MINIMUM_SUFFICES = "minimum_contribution_suffices"
    """Even a zero rate (every member paying the minimum) keeps ruin on target."""
    INFEASIBLE = "target_unreachable"
    """Even the highest rate leaves ruin above target: the rules or the reserve must change."""


@dataclass(frozen=True)
class PricingResult:
    """The solved rate, the pool's outlook at that rate, and why."""

    rate: float
    outcome: str
    """A `PricingOutcome` code."""
    report: RuinReport
    target: float
    factors: dict[str, float] = field(default_factory=dict)
    """Named figures that explain the rate: expected payout and contribution per member
    and month, `contributions_over_payouts` (the loading; absent when no payout is
    expected), reserve per member, the share of the year's variance due to the common shock
    (`systemic_share_of_variance`), and the shock's size, persistence and mean loading."""
    trials: tuple[tuple[float, float], ...] = ()
    """(rate, ruin probability) pairs evaluated during the search, in order."""

    @property
    def feasible(self) -> bool:
        return self.outcome != PricingOutcome.INFEASIBLE


def _adaptive_grid(risk: MemberRisk) -> int:
    """Grid size for the shock: more points when members are more exposed to it."""
    if risk.n_members == 0:
        return 7
    exposure = risk.shock.sigma * float(np.quantile(np.abs(risk.loading), 0.95))
    return int(np.clip(round(5 + 30 * exposure), 7, 21))


def _probit(p: float, n: int) -> float:
    eps = 0.5 / n
    return float(stats.norm.ppf(min(max(p, eps), 1.0 - eps)))


def solve_rate(
    scenarios: CltScenarios,
    target: float,
    max_rate: float = MAX_RATE,
    guess: float = 0.04,
    tolerance: float = 2e-4,
) -> tuple[float, str, list[tuple[float, float]]]:
    """Smallest rate with ruin at most `target`, by a safeguarded secant on the probit scale.

    The probit of the ruin probability is close to linear in the rate (the reserve at the
    end is nearly normal with a mean linear in the rate), so a few evaluations suffice;
    the bracket keeps it safe when it is not.
    """
    n = scenarios.noise.shape[0]
    trials: list[tuple[float, float]] = []

    def ruin(rate: float) -> float:
        p = scenarios.ruin_probability(rate)
        trials.append((rate, p))
        return p

    goal = _probit(target, n)
    lo, p_lo = 0.0, ruin(0.0)
    if p_lo <= target:
        return 0.0, PricingOutcome.MINIMUM_SUFFICES, trials
    hi, p_hi = max_rate, ruin(max_rate)
    if p_hi > target:
        return max_rate, PricingOutcome.INFEASIBLE, trials
    guess = min(max(guess, 1e-3), max_rate / 2)
    side = 0
    for _ in range(40):
        if hi - lo <= tolerance * max(1.0, hi / 0.05):
            break
        rate = guess if lo < guess < hi else 0.5 * (lo + hi)
        p = ruin(rate)
        if p <= target:
            hi, p_hi = rate, p
            side = side + 1 if side > 0 else 1
        else:
            lo, p_lo = rate, p
            side = side - 1 if side < 0 else -1
        f_lo, f_hi = _probit(p_lo, n) - goal, _probit(p_hi, n) - goal
        # Illinois: halve the weight of an end that has stayed put twice.
        if side >= 2:
            f_lo *= 0.5
        elif side <= -2:
            f_hi *= 0.5
        if f_lo != f_hi:
            guess = lo + (hi - lo) * f_lo / (f_lo - f_hi)
            # Never step to the very end of the bracket: shave a sliver off.
            guess = min(max(guess, lo + 0.02 * (hi - lo)), hi - 0.02 * (hi - lo))
        else:
            guess = 0.5 * (lo + hi)
    return hi, PricingOutcome.TARGET_MET, trials


def _search(
    scenarios: CltScenarios, target: float, max_rate: float, start: float
) -> tuple[float, str, list[tuple[float, float]]]:
    """Solve on cheap sampled contributions, re-anchored on exact ones, then confirm exactly.

    Each round anchors the ratio estimator (and the spread of contributions) at the current
    answer; two or three rounds settle it. The answer is then checked with exact totals and
    nudged up until it meets the target, so the reported ruin probability is never above it.
    """
    pool = scenarios.pool
    ref = min(max(start, 1e-3), max_rate / 2)
    trials: list[tuple[float, float]] = []
    rate, outcome = ref, PricingOutcome.TARGET_MET
    for _ in range(4):
        if pool.spread_rate is None or abs(pool.spread_rate - ref) > 0.1 * ref:
            pool.set_spread(ref)
        scenarios.use_ratio(ref)
        rate, outcome, more = solve_rate(scenarios, target, max_rate, ref)
        trials += more
        if outcome != PricingOutcome.TARGET_MET or abs(rate - ref) <= 0.005 * rate:
            break
        ref = rate
    scenarios.use_ratio(None)
    if outcome == PricingOutcome.TARGET_MET:
        p = scenarios.ruin_probability(rate)
        trials.append((rate, p))
        while p > target and rate < max_rate:
            rate = min(rate * 1.003, max_rate)
            p = scenarios.ruin_probability(rate)
            trials.append((rate, p))
    return rate, outcome, trials


def price_pool(
    risk: MemberRisk,
    rules: PoolRules,
    reserve: float,
    *,
    months_of_membership: NDArray[np.int64] | None = None,
    payout_months_used: NDArray[np.int64] | None = None,
    n_scenarios: int = 50_000,
    seed: int = 0,
    n_grid: int | None = None,
    max_rate: float = MAX_RATE,
    benefits: BenefitLoad | None = None,
) -> PricingResult:
    """The contribution rate for which P(reserve runs out within the horizon) <= target.

    `reserve` is the pool's reserve today, in currency units. `months_of_membership`
    (default: everyone past the waiting period, the pool's cautious side) makes new members
    wait; `payout_months_used` (default zero, also cautious) counts against each member's
    limit for the whole horizon, since when those months roll off is not known here.
    `benefits` adds each month's expected benefit claims and tier contributions
    (`actuarial.benefits`). The conditional central-limit method is used; see `ruin_clt`.
    Members' log-t tails are truncated at `ruin.TAIL_BOUND` scales, and scales above 2.5
    (an income that swings twelvefold in a typical month) are read as 2.5.
    """
    n = risk.n_members
    tenure = (
        np.full(n, rules.waiting_period_months, dtype=np.int64)
        if months_of_membership is None
        else months_of_membership
    )
    grid = _adaptive_grid(risk) if n_grid is None else n_grid
    pool = CltPool(
        risk,
        rules,
        months_of_membership=tenure,
        payout_months_used=payout_months_used,
        n_grid=grid,
    )
    scenarios = CltScenarios(pool, reserve, n_scenarios=n_scenarios, seed=seed, benefits=benefits)
    target = rules.target_ruin_probability
    rate, outcome, trials = _search(scenarios, target, max_rate, rules.contribution_rate)
    report = scenarios.report(rate)
    return PricingResult(
        rate=rate,
        outcome=outcome,
        report=report,
        target=rules.target_ruin_probability,
        factors=_factors(risk, reserve, report, scenarios, rate),
        trials=tuple(trials),
    )


def evaluate_rate(
    risk: MemberRisk,
    rules: PoolRules,
    reserve: float,
    rate: float,
    *,
    months_of_membership: NDArray[np.int64] | None = None,
    payout_months_used: NDArray[np.int64] | None = None,
    n_scenarios: int = 50_000,
    seed: int = 0,
    n_grid: int | None = None,
    benefits: BenefitLoad | None = None,
) -> RuinReport:
    """The pool's outlook at a given rate (for example the one in force), same method and
    defaults as `price_pool`, so that its figures and the solved rate's can be compared."""
    n = risk.n_members
    tenure = (
        np.full(n, rules.waiting_period_months, dtype=np.int64)
        if months_of_membership is None
        else months_of_membership
    )
    pool = CltPool(
        risk,
        rules,
        months_of_membership=tenure,
        payout_months_used=payout_months_used,
        n_grid=_adaptive_grid(risk) if n_grid is None else n_grid,
    )
    pool.set_spread(rate)
    scenarios = CltScenarios(pool, reserve, n_scenarios=n_scenarios, seed=seed, benefits=benefits)
    return scenarios.report(rate)


def _factors(
    risk: MemberRisk, reserve: float, report: RuinReport, scenarios: CltScenarios, rate: float
) -> dict[str, float]:
    """What explains the rate, as named figures for the administrators' dashboard."""
    n = max(risk.n_members, 1)
    months = report.expected_payouts.size
    payouts = float(report.expected_payouts.sum())
    contributions = float(report.expected_contributions.sum())
    # Share of the spread of the year's result that the common shock explains.
    mean, _, _ = scenarios.conditional_moments(rate)
    net, _ = scenarios.flows(rate)
    total = net.sum(axis=1)
    conditional = mean.sum(axis=1)
    var_total = float(total.var())
    systemic = float(conditional.var()) / var_total if var_total > 0 else 0.0
    factors = {
        "expected_payout_per_member_month": payouts / n / months,
        "expected_contribution_per_member_month": contributions / n / months,
        "reserve_per_member": reserve / n,
        "systemic_share_of_variance": min(max(systemic, 0.0), 1.0),
        "shock_sigma": risk.shock.sigma,
        "shock_rho": risk.shock.rho,
        "mean_loading": float(np.mean(risk.loading)) if risk.n_members else 0.0,
    }
    if payouts > 0.0:
        # The loading that buys solvency: how far contributions exceed expected payouts.
        factors["contributions_over_payouts"] = contributions / payouts
    return factors


def synthetic_member_risk(
    n_members: int, horizon: int = 12, seed: int = 0, shock: CommonShock | None = None
) -> MemberRisk:
    """A plausible pool of gig workers for benchmarks and tests, built directly.

    Median incomes around 2,000 a month with a wide spread between members, idiosyncratic
    log-scales of 0.2-0.55 (within-year variation of 20-60%, about 39% on average),
    occasional zero months, a mild seasonal swing, and loadings on a persistent common
    shock.
    """
    rng = np.random.default_rng(seed)
    level = rng.normal(np.log(2_000.0), 0.5, n_members)
    season = 0.06 * np.sin(2 * np.pi * (np.arange(horizon) + rng.uniform(0, 12)) / 12)
    log_sigma = rng.uniform(0.2, 0.55, n_members)[:, None] * rng.uniform(0.9, 1.1, (1, horizon))
    p_zero = np.clip(rng.beta(1.0, 15.0, n_members)[:, None] + np.zeros((1, horizon)), 0, 0.9)
    return MemberRisk(
        baseline=np.exp(level + rng.normal(-0.05, 0.1, n_members)),
        log_mu=level[:, None] + season[None, :],
        log_sigma=log_sigma,
        p_zero=p_zero,
        loading=rng.uniform(0.3, 1.2, n_members),
        df=5.0,
        shock=shock if shock is not None else CommonShock(sigma=0.1, rho=0.75),
    )


def bench_pricing(n_members: int, n_scenarios: int) -> dict[str, float]:
    """Seconds and peak memory to price a synthetic pool of `n_members` with `n_scenarios`.

    The pool's reserve is 300 per member, about three months of expected payouts: a
    young co-op. Memory is the peak traced by tracemalloc (numpy's arrays included) and the
    process's peak resident size.
    """
    risk = synthetic_member_risk(n_members, seed=1)
    rules = PoolRules()
    reserve = 300.0 * n_members
    tracemalloc.start()
    start = time.perf_counter()
    result = price_pool(risk, rules, reserve, n_scenarios=n_scenarios)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "n_members": float(n_members),
        "n_scenarios": float(n_scenarios),
        "seconds": seconds,
        "peak_traced_mib": peak / 2**20,
        "peak_rss_mib": rss,
        "rate": result.rate,
        "ruin_probability": result.report.ruin_probability,
        "ruin_standard_error": result.report.standard_error,
        "rate_evaluations": float(len(result.trials)),
    }
