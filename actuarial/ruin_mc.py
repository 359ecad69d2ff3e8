"""Ruin by brute-force Monte Carlo over every member: exact for the rules, costly in size.

Each scenario draws a common-shock path and every member's income month by month, then
applies the pool's rules as the monthly run would (contribution with relief and catch-ups,
waiting period, the limit on payout months, the payout formula) through the very functions
the service uses. It is the reference the fast approximation in `ruin_clt` is checked
against, and a sound choice for small pools.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from actuarial.payouts import PoolRules, gross_payout
from actuarial.relief import catchup_instalment, is_low_month, relief_split
from actuarial.risk import MemberRisk
from actuarial.ruin import RuinReport, sample_truncated_t, simulate_shock_paths, summarise_paths

FloatArray = NDArray[np.float64]


def simulate_pool(
    risk: MemberRisk,
    rules: PoolRules,
    rate: float,
    reserve: float,
    *,
    months_of_membership: NDArray[np.int64] | None = None,
    payout_months_used: NDArray[np.int64] | None = None,
    n_scenarios: int = 10_000,
    seed: int = 0,
    batch: int = 2_000,
) -> RuinReport:
    """Ruin probability and reserve fan at `rate` by simulating every member.

    Scenarios run in batches sized to the pool; the cost grows with scenarios times
    members, so keep this to pools of hundreds or a few thousands.
    """
    rng = np.random.default_rng(seed)
    h = min(risk.horizon, rules.horizon_months)
    n = risk.n_members
    tenure = np.zeros(n, np.int64) if months_of_membership is None else months_of_membership
    used0 = np.zeros(n, np.int64) if payout_months_used is None else payout_months_used
    # Keep each batch's arrays (months ahead x scenarios x members) to some tens of MB.
    batch = max(1, min(batch, 2_000_000 // max(n * (h + 1), 1)))
    nets, contribs, pays = [], [], []
    for start in range(0, n_scenarios, batch):
        s = min(batch, n_scenarios - start)
        z = simulate_shock_paths(risk.shock, h, s, rng)
        net = np.zeros((s, h))
        contrib = np.zeros((s, h))
        pay = np.zeros((s, h))
        used = np.broadcast_to(used0, (s, n)).copy()
        # Catch-up instalments falling due in each month, from deferrals already made.
        catchup_due = np.zeros((h + 1, s, n))
        for t in range(h):
            e = sample_truncated_t(risk.df, (s, n), rng)
            active = rng.uniform(size=(s, n)) >= risk.p_zero[None, :, t]
            log_y = risk.log_mu[None, :, t] + risk.loading[None, :] * z[:, t, None]
            income = np.where(active, np.exp(log_y + risk.log_sigma[None, :, t] * e), 0.0)
            due = rules.contribution(income, rate)
            low = is_low_month(risk.baseline[None, :], income, rules)
            paid_now, _forgiven, deferred = relief_split(due, low, rules)
            catchup = catchup_due[t]
            for j in range(1, h - t):
                instalment = catchup_instalment(deferred, j, rules)
                if not instalment.any():
                    break
                catchup_due[t + j] += instalment
            served = (tenure + t) >= rules.waiting_period_months
            eligible = served[None, :] & (used < rules.max_payout_months)
            payout = np.where(eligible, gross_payout(risk.baseline[None, :], income, rules), 0.0)
            used += payout > 0.0
            contrib[:, t] = (paid_now + catchup).sum(axis=1)
            pay[:, t] = payout.sum(axis=1)
            net[:, t] = contrib[:, t] - pay[:, t]
        nets.append(net)
        contribs.append(contrib)
        pays.append(pay)
    return summarise_paths(
        rate,
        reserve,
        np.concatenate(nets),
        np.concatenate(contribs),
        np.concatenate(pays),
        "monte_carlo",
    )
