"""The fast ruin estimate against brute force, on a small pool hit by common shocks.

The conditional central-limit method never simulates a member; brute force simulates every
member every month through the monthly run's own rules (waiting period, payout-month limit,
cap, relief with catch-ups). On a pool small enough for brute force they must tell an
administrator the same story: the same ruin probability within sampling error (plus a
small allowance for the method's stated approximations), the same expected payouts and
contributions month by month, the same fan chart.
"""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.payouts import PoolRules
from actuarial.risk import CommonShock, MemberRisk
from actuarial.ruin import RuinReport
from actuarial.ruin_clt import CltPool, CltScenarios
from actuarial.ruin_mc import simulate_pool

N_MEMBERS = 120
RATE = 0.07
RESERVE = 40.0 * N_MEMBERS


def small_pool() -> tuple[MemberRisk, PoolRules, np.ndarray]:
    rng = np.random.default_rng(5)
    n, h = N_MEMBERS, 12
    level = rng.normal(np.log(1_800.0), 0.5, n)
    season = 0.08 * np.sin(2 * np.pi * np.arange(h) / 12)
    risk = MemberRisk(
        baseline=np.exp(level + rng.normal(0.0, 0.1, n)),
        log_mu=level[:, None] + season[None, :],
        log_sigma=rng.uniform(0.2, 0.7, n)[:, None] * np.ones((1, h)),
        p_zero=rng.uniform(0.0, 0.12, (n, h)),
        loading=rng.uniform(0.3, 1.3, n),
        df=5.0,
        shock=CommonShock(sigma=0.15, rho=0.7),
    )
    rules = PoolRules(max_contribution=300.0, catchup_cap=300.0)
    tenure = rng.integers(0, 6, n)
    return risk, rules, tenure


@pytest.fixture(scope="module")
def both() -> tuple[RuinReport, RuinReport]:
    risk, rules, tenure = small_pool()
    pool = CltPool(risk, rules, months_of_membership=tenure, n_grid=11)
    pool.set_spread(RATE)
    clt = CltScenarios(pool, RESERVE, n_scenarios=40_000, seed=1).report(RATE)
    mc = simulate_pool(
        risk, rules, RATE, RESERVE, months_of_membership=tenure, n_scenarios=4_000, seed=2
    )
    return clt, mc


def test_same_ruin_probability(both: tuple[RuinReport, RuinReport]) -> None:
    clt, mc = both
    assert 0.03 < mc.ruin_probability < 0.5  # a regime where the comparison means something
    se = np.hypot(clt.standard_error, mc.standard_error)
    assert abs(clt.ruin_probability - mc.ruin_probability) <= 3 * se + 0.01


def test_same_expected_flows_month_by_month(both: tuple[RuinReport, RuinReport]) -> None:
    clt, mc = both
    np.testing.assert_allclose(clt.expected_contributions, mc.expected_contributions, rtol=0.015)
    # Payouts are noisier, and the payout-month limit is approximated (a couple of percent,
    # late in the year when it binds).
    np.testing.assert_allclose(clt.expected_payouts, mc.expected_payouts, rtol=0.04)
    assert clt.expected_payouts.sum() == pytest.approx(mc.expected_payouts.sum(), rel=0.015)


def test_same_fan_chart(both: tuple[RuinReport, RuinReport]) -> None:
    clt, mc = both
    scale = float(mc.reserve_quantiles[-1].max() - mc.reserve_quantiles[0].min())
    gap = np.abs(clt.reserve_quantiles - mc.reserve_quantiles)
    assert float(gap.max()) <= 0.05 * scale
    # The fan widens as the year goes on.
    spread = clt.reserve_quantiles[-1] - clt.reserve_quantiles[0]
    assert spread[-1] > spread[0]
