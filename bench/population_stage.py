"""Benchmark of the income model's population stage on every data shape the tests can make.

    .venv/bin/python bench/population_stage.py            # all shapes, idle machine
    .venv/bin/python bench/population_stage.py --busy     # beside one CPU-bound process
    .venv/bin/python bench/population_stage.py --shapes project regimes

For each shape (2,000 workers x 10 platforms x 36 months of history, then 6 held-out
months): the population stage's wall and CPU time (compile included, and apart), leapfrog
steps per draw, divergences, R-hat and the smallest ESS; then the forecast of the held-out
months: coverage of the 80% and 90% intervals, the share of outcomes below p05, p10 and
above p95, the share equal to p05 (a month of no income where p05 is 0: see
`actuarial.backtest`), the share of the randomised PIT below 0.05 and 0.10, the
quantile-score gain over each worker's own history, and the fit's spread factor
(`actuarial.model.spread`). Shapes:

- ``project``: the project's generator (`actuarial.synthetic`);
- ``regimes``: the independent generator (`actuarial.synthetic_regimes`);
- ``all-zero``: the project's data with 40% of workers earning nothing at all;
- ``dominant``: 85% of workers on one platform only;
- ``one-month``: 30% of workers with a single month of history;
- ``extreme``: 1% of worker-months multiplied by 20-200.

With ``--busy`` a second process spins on one core for the length of each fit (it is
ended by its pid when the fit returns), to show the cost on a shared machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from actuarial.backtest import naive_quantiles, pinball
from actuarial.model import IncomeHistory, IncomeModel, ModelConfig
from actuarial.synthetic import SyntheticPopulation, generate_population
from actuarial.synthetic_regimes import generate_regime_population

WORKERS, PLATFORMS, MONTHS, HORIZON = 2000, 10, 36, 6


def _project(seed: int) -> SyntheticPopulation:
    return generate_population(WORKERS, MONTHS + HORIZON, platforms=PLATFORMS, seed=seed)


def _regimes(seed: int) -> SyntheticPopulation:
    return generate_regime_population(WORKERS, MONTHS + HORIZON, platforms=PLATFORMS, seed=seed)


def _all_zero(seed: int) -> SyntheticPopulation:
    pop = _project(seed)
    amounts = pop.amounts.copy()
    rows = np.random.default_rng(seed).random(pop.n_workers) < 0.4
    amounts[rows] = 0.0  # nothing before the cut nor after it
    return dataclasses.replace(pop, amounts=amounts)


def _dominant(seed: int) -> SyntheticPopulation:
    pop = _project(seed)
    amounts = pop.amounts.copy()
    rows = np.random.default_rng(seed).random(pop.n_workers) < 0.85
    total = amounts[rows].sum(axis=1)
    amounts[rows] = 0.0
    amounts[rows, 0] = total  # all their income on the first platform
    return dataclasses.replace(pop, amounts=amounts)


def _one_month(seed: int) -> SyntheticPopulation:
    pop = _project(seed)
    first = pop.first_month.copy()
    amounts = pop.amounts.copy()
    rows = np.flatnonzero(np.random.default_rng(seed).random(pop.n_workers) < 0.3)
    first[rows] = MONTHS - 1
    amounts[rows, :, : MONTHS - 1] = 0.0
    empty = amounts[rows, :, MONTHS - 1].sum(axis=1) <= 0
    amounts[rows[empty], 0, MONTHS - 1] = 800.0
    return dataclasses.replace(pop, amounts=amounts, first_month=first)


def _extreme(seed: int) -> SyntheticPopulation:
    pop = _project(seed)
    rng = np.random.default_rng(seed)
    amounts = pop.amounts.copy()
    hit = (rng.random(amounts.shape) < 0.01) & (amounts > 0)
    amounts[hit] *= rng.uniform(20.0, 200.0, size=int(hit.sum()))
    return dataclasses.replace(pop, amounts=np.round(amounts, 2))


SHAPES: dict[str, Callable[[int], SyntheticPopulation]] = {
    "project": _project,
    "regimes": _regimes,
    "all-zero": _all_zero,
    "dominant": _dominant,
    "one-month": _one_month,
    "extreme": _extreme,
}


def _spin(seconds: float, spinning: Any) -> None:
    spinning.set()
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += 1


def run_shape(name: str, seed: int, busy: bool) -> dict[str, float]:
    pop = SHAPES[name](seed)
    history = IncomeHistory.from_population(pop.truncate(MONTHS))
    actual = pop.totals()[pop.first_month < MONTHS, MONTHS : MONTHS + HORIZON]
    model = IncomeModel(ModelConfig(sample_workers=WORKERS))
    burner = None
    if busy:
        # The burner imports this module (and PyMC) before it spins: the fit starts only once
        # it spins, or the fit would have the cores to itself for its first seconds.
        context = multiprocessing.get_context("spawn")
        spinning = context.Event()
        burner = context.Process(target=_spin, args=(900.0, spinning))
        burner.start()
        if not spinning.wait(120):
            raise RuntimeError("the CPU-bound process did not start spinning")
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        model.fit(history, seed=seed)
    finally:
        if burner is not None:
            burner.terminate()
            burner.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    fc = model.predict(history, horizon=HORIZON, seed=seed, realized=actual)
    q = fc.quantiles
    assert fc.pit is not None
    own, _ = naive_quantiles(history)
    score = pinball(q, actual).mean()
    own_score = pinball(np.repeat(own[:, None, :], HORIZON, axis=1), actual).mean()
    d = model.fitted.diagnostics
    earned = (history.amounts > 0).any(axis=(1, 2))
    return {
        "wall": wall,
        "cpu": cpu,
        "compile": d.get("compile_seconds", float("nan")),
        "leapfrog": d.get("leapfrog_per_draw", float("nan")),
        "divergences": d.get("divergences", float("nan")),
        "r_hat": d.get("r_hat_max", float("nan")),
        "ess": min(d.get("ess_bulk_min", np.nan), d.get("ess_tail_min", np.nan)),
        "cov80": 100 * float(np.mean((actual >= q[..., 1]) & (actual <= q[..., 5]))),
        "cov90": 100 * float(np.mean((actual >= q[..., 0]) & (actual <= q[..., 6]))),
        "below05": 100 * float(np.mean(actual < q[..., 0])),
        "below10": 100 * float(np.mean(actual < q[..., 1])),
        "above95": 100 * float(np.mean(actual > q[..., 6])),
        "at05": 100 * float(np.mean(actual == q[..., 0])),
        # Workers with no income at all are not forecast (no PIT): left out of these two.
        "pit05": 100 * float(np.mean(fc.pit[earned] < 0.05)),
        "pit10": 100 * float(np.mean(fc.pit[earned] < 0.10)),
        "spread": d.get("spread", 1.0),
        "gain": 100 * (1 - score / own_score),
        "ok": float(not model.fitted.problems),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--busy", action="store_true", help="beside one CPU-bound process")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(
        f"Population stage, {WORKERS} workers x {PLATFORMS} platforms x {MONTHS} months "
        f"({'beside one CPU-bound process' if args.busy else 'idle'}), then {HORIZON} "
        "held-out months"
    )
    head = (
        f"{'shape':>10} {'wall s':>7} {'CPU s':>7} {'compile':>7} {'leapfrog':>8} {'div':>4}"
        f" {'R-hat':>6} {'ESS':>5} {'cov80':>6} {'cov90':>6} {'<p05':>5} {'=p05':>5}"
        f" {'<p10':>5} {'>p95':>5} {'PIT<.05':>7} {'PIT<.10':>7} {'gain%':>6} {'spread':>6}"
        f" {'diag':>5}"
    )
    print(head)
    for name in args.shapes:
        r = run_shape(name, args.seed, args.busy)
        print(
            f"{name:>10} {r['wall']:7.1f} {r['cpu']:7.1f} {r['compile']:7.1f}"
            f" {r['leapfrog']:8.1f} {r['divergences']:4.0f} {r['r_hat']:6.3f} {r['ess']:5.0f}"
            f" {r['cov80']:6.1f} {r['cov90']:6.1f} {r['below05']:5.1f} {r['at05']:5.1f}"
            f" {r['below10']:5.1f} {r['above95']:5.1f} {r['pit05']:7.1f} {r['pit10']:7.1f}"
            f" {r['gain']:6.1f} {r['spread']:6.2f} {'ok' if r['ok'] else 'FAIL':>5}",
            flush=True,
        )


if __name__ == "__main__":
    main()
