"""The hand-off between the income model and the pool's economics.

The income model knows each member's predictive distribution; pricing, ruin and relief
only need a compact, vectorised description of it, so that a 100,000-member pool can be
priced without materialising every member's predictive paths. Everything here is in
currency units (floats): floats become money only at the `pools/` boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CommonShock:
    """A platform-wide downturn process shared by every member exposed to it.

    The shock is a zero-mean AR(1) on the log scale, so a bad month tends to be followed by
    another bad month: persistence, not pool size, is what empties a pool.
    """

    sigma: float
    """Stationary standard deviation of the monthly log-shock."""
    rho: float
    """Month-to-month autocorrelation of the shock, in [0, 1)."""


@dataclass(frozen=True)
class MemberRisk:
    """Per-member predictive income over the horizon, as arrays over members (n) and months (h).

    Total monthly income of member i in month t is modelled as zero with probability
    `p_zero[i, t]`, else `exp(log_mu[i, t] + loading[i] * Z_t + log_sigma[i, t] * e)` with
    `e` a standard Student-t with `df` degrees of freedom (truncated to avoid absurd tails)
    and `Z_t` the common shock.
    """

    baseline: FloatArray
    """(n,) monthly income the smoothing protects."""
    log_mu: FloatArray
    """(n, h) location of log income in active months."""
    log_sigma: FloatArray
    """(n, h) idiosyncratic scale of log income in active months."""
    p_zero: FloatArray
    """(n, h) probability of no income at all that month."""
    loading: FloatArray
    """(n,) exposure to the common shock, usually in [0, 1]."""
    df: float
    """Degrees of freedom of the idiosyncratic heavy tail."""
    shock: CommonShock

    @property
    def n_members(self) -> int:
        return int(self.baseline.shape[0])

    @property
    def horizon(self) -> int:
        return int(self.log_mu.shape[1])
