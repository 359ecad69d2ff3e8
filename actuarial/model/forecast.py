"""The forecast Mutua hands to the rest of the system, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from actuarial.model.data import FloatArray
from actuarial.model.predictive import QUANTILES


@dataclass(frozen=True)
class Forecast:
    """Every worker's predictive income over the next `horizon` months.

    Amounts are currency units (floats); they become money only at the `pools/` boundary.
    """

    model_id: str
    version: str
    worker_ids: tuple[str, ...]
    platforms: tuple[str, ...]
    months: tuple[str, ...]
    """Labels ``YYYY-MM`` of the forecast months (those after the history's last month)."""
    quantiles: FloatArray
    """(n, h, 7) monthly total income at the 5, 10, 25, 50, 75, 90 and 95% levels."""
    p_active: FloatArray
    """(n, P, h) probability of any income on each platform each month (0 if never used)."""
    baseline: FloatArray
    """(n,) the monthly income smoothing protects (see `predictive` for its definition)."""
    savings_target: FloatArray
    """(n,) buffer covering shortfalls below the baseline with probability `savings_level`."""
    savings_level: float
    savings_months: int
    baseline_months: int
    # What pricing needs (see `to_member_risk`).
    p_zero: FloatArray  # (n, h)
    log_q16: FloatArray  # (n, h) log income quantiles given some income
    log_q50: FloatArray
    log_q84: FloatArray
    loading: FloatArray  # (n,) exposure to the pool-wide common shock
    shock_sigma: float
    shock_rho: float
    df: float
    pit: FloatArray | None = None
    """(n, h) probability integral transform of realised totals, when given (backtests)."""

    @property
    def n_workers(self) -> int:
        return len(self.worker_ids)

    @property
    def horizon(self) -> int:
        return len(self.months)

    def median(self) -> FloatArray:
        """(n, h) the median of monthly total income."""
        return np.asarray(self.quantiles[:, :, QUANTILES.index(0.5)])

    def index(self, worker_id: str) -> int:
        return self.worker_ids.index(worker_id)

    def worker_json(self, i: int) -> dict[str, Any]:
        """One worker's entry in the forecast JSON (amounts rounded to cents).

        Per-platform activity probabilities stay in `p_active`; the file format carries the
        total income quantiles only.
        """
        names = ("p05", "p10", "p25", "p50", "p75", "p90", "p95")
        return {
            "worker_id": self.worker_ids[i],
            "baseline": round(float(self.baseline[i]), 2),
            "savings_target": {
                "amount": round(float(self.savings_target[i]), 2),
                "level": self.savings_level,
                "horizon_months": self.savings_months,
            },
            "months": [
                {
                    "month": month,
                    **{
                        n: round(float(v), 2)
                        for n, v in zip(names, self.quantiles[i, t], strict=True)
                    },
                }
                for t, month in enumerate(self.months)
            ],
        }

    def to_json(self) -> dict[str, Any]:
        """``{"model": {"id", "version"}, "workers": [...]}``, the forecast file format."""
        return {
            "model": {"id": self.model_id, "version": self.version},
            "workers": [self.worker_json(i) for i in range(self.n_workers)],
        }
