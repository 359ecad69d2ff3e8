"""Make the prior fit shipped with Mutua: `python -m runs.prior`.

Fitted on the synthetic population the actuarial engine is calibrated against (600
workers, 24 months, every platform), with the default model configuration, so that a new
installation forecasts from its first month (see `runs.fits`). Run again whenever the income
model's version or default configuration changes; a test fails until it is.
"""

from __future__ import annotations

import time

from actuarial.model import IncomeHistory, IncomeModel
from actuarial.synthetic import generate_population
from runs.fits import PRIOR_FIT

PRIOR_WORKERS = 600
PRIOR_MONTHS = 24
PRIOR_SEED = 2026


def main() -> None:
    population = generate_population(PRIOR_WORKERS, PRIOR_MONTHS, seed=PRIOR_SEED)
    model = IncomeModel()
    started = time.perf_counter()
    model.fit(IncomeHistory.from_population(population))
    PRIOR_FIT.parent.mkdir(parents=True, exist_ok=True)
    model.save(PRIOR_FIT)
    print(
        f"prior fit {model.model_id} written to {PRIOR_FIT} "
        f"({PRIOR_FIT.stat().st_size} bytes, {time.perf_counter() - started:.1f} s, "
        f"diagnostics {model.fitted.diagnostics})"
    )


if __name__ == "__main__":
    main()
