"""`python -m actuarial bench`: time and peak memory of each stage at Mutua's scale.

Stages, on generated data (`--workers` x `--months` x `--platforms`):

1. population fit: PyMC model build, nutpie compile and NUTS on a `--sample-workers`
   stratified sample;
2. per-worker conjugate update of every worker;
3. update + 12-month forecasts + baselines + savings targets for every worker (what the
   monthly run does);
4. pool pricing, if `actuarial.pricing.bench_pricing` is available.

Peak memory is the process's peak resident set during the stage (Linux resets the peak via
`/proc/self/clear_refs`; elsewhere it is the peak so far).
"""

from __future__ import annotations

import contextlib
import importlib
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actuarial.model import IncomeHistory, IncomeModel, ModelConfig
from actuarial.synthetic import generate_population


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, fn: Callable[[], Any], rows: list[tuple[str, float, float]]) -> Any:
    """Run `fn`, print and record its wall time and peak memory."""
    _reset_peak()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = _peak_mib()
    rows.append((label, seconds, peak))
    print(f"{label:<58} {seconds:8.1f} s {peak:9.0f} MiB", flush=True)
    return result


def bench_command(
    *,
    workers: int,
    months: int,
    platforms: int,
    sample_workers: int,
    threads: int,
    members: int,
    scenarios: int,
) -> None:
    """Time each stage on generated data and print a table (see the module docstring)."""
    rows: list[tuple[str, float, float]] = []
    print(
        f"Mutua actuarial bench: {workers} workers x {months} months x "
        f"{platforms} platforms, {threads} threads"
    )
    print(f"{'stage':<58} {'time':>10} {'peak RSS':>13}")
    pop = measure(
        "generate data (not a stage)",
        lambda: generate_population(workers, months, platforms, seed=2026),
        rows,
    )
    history = IncomeHistory.from_population(pop)
    del pop
    model = IncomeModel(ModelConfig(sample_workers=sample_workers))
    measure(
        f"1. population fit, {sample_workers}-worker sample (build+compile+NUTS)",
        lambda: model.fit(history, seed=1),
        rows,
    )
    measure("2. per-worker conjugate update, all workers", lambda: model.posterior(history), rows)
    fc = measure(
        "3. update + 12-month forecasts + baselines + savings targets",
        lambda: model.predict(history, horizon=12, seed=1, threads=threads),
        rows,
    )
    print(f"   ({fc.n_workers} workers, {model.config.predictive_draws} paths each)")
    _bench_pricing(members, scenarios, rows)


def _bench_pricing(members: int, scenarios: int, rows: list[tuple[str, float, float]]) -> None:
    try:
        pricing = importlib.import_module("actuarial.pricing")
    except ImportError:
        print("4. pool pricing: actuarial.pricing not available, skipped")
        return
    bench = getattr(pricing, "bench_pricing", None)
    if bench is None:
        print("4. pool pricing: no bench_pricing in actuarial.pricing, skipped")
        return
    figures = measure(
        f"4. pool pricing, {members} members x {scenarios} scenarios",
        lambda: bench(members, scenarios),
        rows,
    )
    for name, value in dict(figures).items():
        print(f"   {name}: {value:.4g}")
