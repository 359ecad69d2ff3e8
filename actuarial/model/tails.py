"""The heavy tail of month-to-month log income.

Conditional on a worker's level and variance, a month's log income deviates from the level by
``sd * e`` where `e` is a Student-t with `nu` degrees of freedom scaled to unit variance. The
conjugate update tracks each worker's variance (Normal-Inverse-Gamma on the first two
moments); the *shape* of the deviations is a population property, estimated once per fit
from the sample's standardised residuals by matching the ratio of their 95% to 75% absolute
quantiles (robust where a kurtosis estimate is not). Gig income has more quiet months and
more wild ones than a normal curve: a normal shape over-covers central intervals and
under-covers the extremes.

Simulation draws `e` by inverse CDF from a table of `TABLE_SIZE` quantiles: one uniform and
one lookup per month, cheaper than a normal draw, and truncated at the 1/(2 * TABLE_SIZE)
quantile so that no path reports an absurd month.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from actuarial.model.data import FloatArray

TABLE_SIZE = 4096
NU_RANGE = (3.0, 60.0)


def fit_nu(standardised: FloatArray) -> float:
    """Degrees of freedom whose 95%/75% absolute-quantile ratio matches the residuals'."""
    r = np.abs(standardised[np.isfinite(standardised)])
    if r.size < 200:
        return NU_RANGE[1]
    target = float(np.quantile(r, 0.95) / max(np.quantile(r, 0.75), 1e-12))
    grid = np.geomspace(*NU_RANGE, 200)
    ratio = stats.t.ppf(0.975, grid) / stats.t.ppf(0.875, grid)
    return float(grid[np.argmin(np.abs(ratio - target))])


def unit_t_table(nu: float) -> NDArray[np.float32]:
    """Quantiles of a unit-variance Student-t at the midpoints of `TABLE_SIZE` bins."""
    u = (np.arange(TABLE_SIZE) + 0.5) / TABLE_SIZE
    scale = np.sqrt(nu / (nu - 2.0)) if nu > 2.0 else 1.0
    return np.asarray(stats.t.ppf(u, nu) / scale, dtype=np.float32)


def draw(
    rng: np.random.Generator, table: NDArray[np.float32], shape: tuple[int, ...]
) -> NDArray[np.float32]:
    return table[rng.integers(0, TABLE_SIZE, size=shape, dtype=np.int16)]
