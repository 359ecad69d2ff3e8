"""The closed-form member moments behind the fast ruin estimate, against plain sampling.

Pricing never samples a member's income: it reads each member's expected payout and
contribution (and their spread) off tables. If those were wrong, every price would be
wrong, so they are checked here against direct simulation through the very payout and
relief rules the monthly run applies.
"""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.payouts import PoolRules, gross_payout
from actuarial.relief import is_low_month, relief_split
from actuarial.ruin import sample_truncated_t, tail_tables
from actuarial.ruin_grid import (
    MemberBlock,
    contribution_means,
    contribution_spread,
    payout_moments,
)

RULES = PoolRules(
    contribution_rate=0.06,
    min_contribution=20.0,
    max_contribution=150.0,
    replacement_rate=0.6,
    deductible_share=0.1,
    monthly_cap=700.0,
    relief_trigger_share=0.6,
    relief_share=0.8,
    relief_waive_share=0.25,
)

# Members chosen to exercise every regime: the cap binding, the minimum and maximum
# contribution binding, frequent zero months, a very volatile income, a zero baseline.
BLOCK = MemberBlock(
    log_mu=np.log(
        np.array(
            [
                [2_000.0, 2_400.0],
                [300.0, 350.0],
                [6_000.0, 5_000.0],
                [1_500.0, 1_500.0],
                [900.0, 1_100.0],
            ]
        )
    ),
    log_sigma=np.array([[0.4, 0.5], [0.3, 0.3], [0.9, 1.2], [0.15, 0.2], [0.6, 0.6]]),
    p_zero=np.array([[0.05, 0.1], [0.0, 0.3], [0.02, 0.02], [0.5, 0.0], [0.1, 0.1]]),
    loading=np.array([1.0, 0.5, 1.5, 0.0, 0.8]),
    baseline=np.array([2_200.0, 320.0, 7_000.0, 1_600.0, 0.0]),
)
Z = np.array([-0.3, 0.0, 0.25])
DF = 4.0
N = 150_000


def _sampled() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    m, h = BLOCK.log_mu.shape
    shape = (m, h, Z.size, N)
    e = sample_truncated_t(DF, shape, rng)
    active = rng.uniform(size=shape) >= BLOCK.p_zero[:, :, None, None]
    log_y = (
        BLOCK.log_mu[:, :, None, None]
        + BLOCK.loading[:, None, None, None] * Z[None, None, :, None]
        + BLOCK.log_sigma[:, :, None, None] * e
    )
    y = np.where(active, np.exp(log_y), 0.0)
    base = BLOCK.baseline[:, None, None, None]
    x = gross_payout(base, y, RULES)
    due = RULES.contribution(y)
    paid, _, deferred = relief_split(due, is_low_month(base, y, RULES), RULES)
    return {
        "q": (x > 0).mean(-1),
        "x1": x.mean(-1),
        "x2": (x * x).mean(-1),
        "x_se": x.std(-1) / np.sqrt(N),
        "x2_se": (x * x).std(-1) / np.sqrt(N),
        "paid": paid.mean(-1),
        "paid_se": paid.std(-1) / np.sqrt(N),
        "deferred": deferred.mean(-1),
        "deferred_se": deferred.std(-1) / np.sqrt(N),
        "paid_var": paid.var(-1),
        "deferred_var": deferred.var(-1),
        "cov": ((paid - paid.mean(-1, keepdims=True)) * x).mean(-1),
    }


@pytest.fixture(scope="module")
def sampled() -> dict[str, np.ndarray]:
    return _sampled()


def _close(exact: np.ndarray, sample: np.ndarray, se: np.ndarray, rel: float = 2e-3) -> None:
    # Four standard errors of the sample, plus a hair for table interpolation.
    bound = 4.0 * se + rel * np.abs(sample) + 1e-9
    worst = float(np.max(np.abs(exact - sample) - bound))
    assert worst <= 0.0, f"off by {worst} beyond tolerance"


def test_expected_payout_matches_sampling(sampled: dict[str, np.ndarray]) -> None:
    pm = payout_moments(BLOCK, RULES, Z, tail_tables(DF))
    _close(pm.q, sampled["q"], np.sqrt(sampled["q"] * (1 - sampled["q"]) / N))
    _close(pm.x1, sampled["x1"], sampled["x_se"])
    _close(pm.x2, sampled["x2"], sampled["x2_se"])
    # A member with no baseline never claims.
    assert np.all(pm.x1[4] == 0.0)


def test_expected_contributions_match_sampling(sampled: dict[str, np.ndarray]) -> None:
    tables = tail_tables(DF)
    pm = payout_moments(BLOCK, RULES, Z, tables)
    paid, deferred = contribution_means(
        BLOCK, RULES, Z, tables, RULES.contribution_rate, pm.low_cdf, pm.low_m1
    )
    _close(paid, sampled["paid"], sampled["paid_se"])
    _close(deferred, sampled["deferred"], sampled["deferred_se"])


def test_contribution_spread_matches_sampling(sampled: dict[str, np.ndarray]) -> None:
    spread = contribution_spread(BLOCK, RULES, Z, tail_tables(DF), RULES.contribution_rate)
    # Second moments from 150,000 draws are good to a few percent.
    np.testing.assert_allclose(spread.paid_var, sampled["paid_var"], rtol=0.03, atol=1.0)
    np.testing.assert_allclose(spread.deferred_var, sampled["deferred_var"], rtol=0.03, atol=1.0)
    np.testing.assert_allclose(spread.paid_x_cov, sampled["cov"], rtol=0.05, atol=20.0)
