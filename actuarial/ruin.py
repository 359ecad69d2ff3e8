"""Shared pieces of the pool's ruin calculation: shocks, the income tail, and the report.

The pool is ruined when, in some month of the horizon, that month's payouts due exceed the
reserve plus that month's contributions, so that payouts would have to be scaled down pro
rata. Two estimators share what is here: a brute-force Monte Carlo over members
(`ruin_mc`), exact for the rules but only affordable for small pools, and a conditional
central-limit approximation (`ruin_clt`) that prices a 100,000-member pool in seconds and is
checked against the first in the tests.

Reserve paths are reported as if every payout had been paid in full: a negative value is
the shortfall the pro-rata scaling would have absorbed, which is what an administrator
needs to see in a fan chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from actuarial.risk import CommonShock

FloatArray = NDArray[np.float64]

TAIL_BOUND = 6.0
"""Where the Student-t of a member's log income is truncated, in units of its scale.

A log-t with an uncertain scale has no finite mean; truncating at six scales keeps every
expected payout and contribution finite while leaving the body and the lower tail, which
is where payouts happen, untouched (a t with 4 degrees of freedom has 0.4% beyond it).
"""

FAN_LEVELS: tuple[float, ...] = (0.05, 0.25, 0.50, 0.75, 0.95)
"""Quantile levels of the reserve reported month by month (a fan chart)."""


def simulate_shock_paths(
    shock: CommonShock, horizon: int, n_scenarios: int, rng: np.random.Generator
) -> FloatArray:
    """Paths of the common log-shock, (n_scenarios, horizon), started from its stationary law.

    Starting from the stationary law rather than zero is deliberate: we do not know today's
    shock, and pretending it is zero would understate a downturn already under way.
    """
    if not 0.0 <= shock.rho < 1.0:
        raise ValueError("shock.rho must be in [0, 1)")
    z = np.empty((n_scenarios, horizon), dtype=np.float64)
    eps = rng.standard_normal((n_scenarios, horizon))
    innovation = shock.sigma * np.sqrt(1.0 - shock.rho**2)
    z[:, 0] = shock.sigma * eps[:, 0]
    for t in range(1, horizon):
        z[:, t] = shock.rho * z[:, t - 1] + innovation * eps[:, t]
    return z


def sample_truncated_t(df: float, size: tuple[int, ...], rng: np.random.Generator) -> FloatArray:
    """Standard Student-t draws truncated to +/- `TAIL_BOUND`, by redrawing the rare excess."""
    e = rng.standard_t(df, size=size)
    out = np.abs(e) > TAIL_BOUND
    while out.any():
        e[out] = rng.standard_t(df, size=int(out.sum()))
        out = np.abs(e) > TAIL_BOUND
    return np.asarray(e, dtype=np.float64)


@dataclass(frozen=True)
class TailTables:
    """Partial moments of the truncated Student-t, tabulated once per `df`.

    For a member whose active-month income is `Y = exp(w + s*e)`, every expected payout and
    contribution is a combination of `P(Y < b)`, `E[Y; Y < b]` and `E[Y^2; Y < b]` at a few
    thresholds `b`. With `u = (log b - w) / s` these are `F(u)`, `b * H(s, u)` and
    `b^2 * H(2s, u)`, where `H(s, u) = E[exp(s (e - u)); e < u]` lies in [0, 1] and is smooth,
    so two small tables answer every member, month and shock value by interpolation.
    """

    u0: float
    du: float
    n_u: int
    ds: float
    n_s: int
    cdf2: NDArray[np.complex128]
    """F(u) on the u grid (real part) beside its step to the next point (imaginary part)."""
    h2: NDArray[np.complex128]
    """H(s, u) flattened, row s-major (index row * n_u + j), likewise paired with its step."""

    @property
    def s_max(self) -> float:
        return (self.n_s - 1) * self.ds


@lru_cache(maxsize=4)
def tail_tables(df: float, du: float = 0.005, ds: float = 0.005, s_max: float = 5.0) -> TailTables:
    """Build (and cache) the tables for a given tail; a tenth of a second.

    `s_max` bounds twice the largest log-scale a member may have (2.5, an income that
    swings twelvefold in a typical month, is beyond anything a forecast should say).
    """
    t = TAIL_BOUND
    grid = np.linspace(-t, t, round(2 * t / du) + 1)
    step = float(grid[1] - grid[0])
    dens = stats.t.pdf(grid, df)
    # Trapezoid masses of each cell, normalised to the truncated law.
    cell = 0.5 * (dens[1:] + dens[:-1]) * step
    norm = float(cell.sum())
    cdf = np.concatenate(([0.0], np.cumsum(cell))) / norm
    s = np.arange(round(s_max / ds) + 1) * ds
    # H(s, u_j) = exp(-s u_j) * sum over cells below u_j of mass * exp(s e_mid): with
    # s * |u| <= 30 nothing overflows, and each sum is dominated by its last terms.
    mass = cell / norm
    mid = 0.5 * (grid[1:] + grid[:-1])
    h = np.zeros((s.size, grid.size))
    np.cumsum(mass[None, :] * np.exp(s[:, None] * mid[None, :]), axis=1, out=h[:, 1:])
    h *= np.exp(-s[:, None] * grid[None, :])
    return TailTables(
        u0=-t,
        du=step,
        n_u=grid.size,
        ds=ds,
        n_s=s.size,
        cdf2=_paired(cdf[None, :]).ravel(),
        h2=_paired(h).ravel(),
    )


def _paired(values: FloatArray) -> NDArray[np.complex128]:
    """Each value with its step to the next along the last axis, as one complex number, so
    that a linear interpolation needs a single gather."""
    out = np.zeros(values.shape, dtype=np.complex128)
    out.real = values
    out.imag[..., :-1] = np.diff(values, axis=-1)
    return out


@dataclass(frozen=True)
class RuinReport:
    """The pool's outlook over the horizon at one contribution rate."""

    rate: float
    """Contribution rate (share of income) the figures are for."""
    ruin_probability: float
    standard_error: float
    """Monte Carlo standard error of `ruin_probability`."""
    n_scenarios: int
    method: str
    """`clt` (conditional central-limit) or `monte_carlo` (brute force)."""
    expected_contributions: FloatArray
    """(h,) expected contributions received each month, catch-ups included."""
    expected_payouts: FloatArray
    """(h,) expected payouts due each month."""
    reserve_quantiles: FloatArray
    """(len(FAN_LEVELS), h) reserve at the end of each month, at the `FAN_LEVELS`."""
    fan_levels: tuple[float, ...] = FAN_LEVELS
    extras: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Plain data for storage and for the administrators' dashboard."""
        return {
            "rate": self.rate,
            "ruin_probability": self.ruin_probability,
            "standard_error": self.standard_error,
            "n_scenarios": self.n_scenarios,
            "method": self.method,
            "expected_contributions": self.expected_contributions.tolist(),
            "expected_payouts": self.expected_payouts.tolist(),
            "reserve_quantiles": {
                f"p{round(100 * q):02d}": row.tolist()
                for q, row in zip(self.fan_levels, self.reserve_quantiles, strict=True)
            },
            **self.extras,
        }


def summarise_paths(
    rate: float,
    reserve0: float,
    net_flows: FloatArray,
    contributions: FloatArray,
    payouts: FloatArray,
    method: str,
) -> RuinReport:
    """A report from per-scenario monthly net flows (n_scenarios, h) and their parts' means.

    `contributions` and `payouts` are (n_scenarios, h) expected (or realised) amounts per
    scenario; only their averages are kept.
    """
    reserve = reserve0 + np.cumsum(net_flows, axis=1)
    ruined = reserve.min(axis=1) < 0.0
    n = int(ruined.size)
    p = float(ruined.mean())
    return RuinReport(
        rate=rate,
        ruin_probability=p,
        standard_error=float(np.sqrt(max(p * (1.0 - p), 0.0) / n)),
        n_scenarios=n,
        method=method,
        expected_contributions=contributions.mean(axis=0),
        expected_payouts=payouts.mean(axis=0),
        reserve_quantiles=np.quantile(reserve, FAN_LEVELS, axis=0),
    )
