"""From forecasts to the compact description pool pricing consumes (`MemberRisk`).

Pricing needs each member's monthly total income as "zero with probability p, else a
heavy-tailed lognormal around a level, plus an exposure to the pool-wide shock". The income
model's predictive is a mixture over platforms and spells, so this reads the description off
its predictive paths: the level is the median log income in months with some income, the
scale matches the 16-84% spread of log income with a Student-t of `df` degrees of freedom,
and the part of that spread the common shock explains (loading^2 sigma^2) is taken out, so
that pricing, which adds the shock itself, does not count it twice.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from actuarial.model.forecast import Forecast
from actuarial.risk import CommonShock, MemberRisk

MIN_LOG_SIGMA = 0.02
"""Floor of the idiosyncratic scale: even the steadiest worker's month is not certain."""


def to_member_risk(forecast: Forecast, rows: np.ndarray | None = None) -> MemberRisk:
    """`MemberRisk` for the forecast's workers (or the given rows of it, e.g. a pool's members).

    The horizon is the forecast's; baselines are the forecast's baselines.
    """
    idx = np.arange(forecast.n_workers) if rows is None else np.asarray(rows, dtype=np.int64)
    z84 = float(stats.t.ppf(0.84, forecast.df))
    total_sd = (forecast.log_q84[idx] - forecast.log_q16[idx]) / (2.0 * z84)
    loading = forecast.loading[idx]
    shock_var = (loading * forecast.shock_sigma)[:, None] ** 2
    idio = np.sqrt(np.maximum(total_sd**2 - shock_var, MIN_LOG_SIGMA**2))
    return MemberRisk(
        baseline=np.asarray(forecast.baseline[idx], dtype=np.float64),
        log_mu=np.asarray(forecast.log_q50[idx], dtype=np.float64),
        log_sigma=np.asarray(idio, dtype=np.float64),
        p_zero=np.asarray(np.clip(forecast.p_zero[idx], 0.0, 1.0), dtype=np.float64),
        loading=np.asarray(loading, dtype=np.float64),
        df=float(forecast.df),
        shock=CommonShock(sigma=float(forecast.shock_sigma), rho=float(forecast.shock_rho)),
    )
