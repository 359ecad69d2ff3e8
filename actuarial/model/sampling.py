"""Stage one's sampler: nutpie's NUTS on the cores this process may use, within a time budget,
and the diagnostics stored with every fit.

**Threads.** nutpie runs one thread per chain up to `cores`. Left to itself it counts the
machine's CPUs, not those the process is allowed on (`os.sched_getaffinity`): a process
pinned to one core of a shared machine would then run two busy threads on it. The fit asks
for ``min(chains, available_cores())``.

**Time budget.** The population stage is built to finish in well under a minute (see
`population`); the budget is a safety net for data no test foresaw. Compiling counts against
it. When sampling would run past it the sampler is stopped and the fit falls back, in this
order, and says so in its diagnostics (``budget_exceeded = 1``, ``fallback`` = 1 or 2):

1. ``fallback = 1``: the draws taken after warm-up so far, if there are at least
   `MIN_DRAWS_PER_CHAIN` per chain. The fit is usable but marked as failing its checks, so
   the monthly run keeps its previous fit (`runs.fits`) and only a caller with no previous
   fit (the command line) uses it.
2. ``fallback = 2``: mean-field ADVI (`pymc.fit`) for `ADVI_STEPS` steps, its approximate
   posterior standing in for the draws; marked as failing its checks for the same reason.

**Diagnostics** (all floats, in `FitState.diagnostics`, stored with the fit and printed by
the command line): ``r_hat_max``, ``ess_bulk_min``, ``ess_tail_min`` (over every sampled
parameter), ``divergences`` and ``draws`` (post-warm-up), ``max_depth_share`` (share of draws
whose tree hit the maximum depth), ``step_size`` (mean over chains after adaptation),
``leapfrog_per_draw`` (mean gradient evaluations per post-warm-up draw), ``gradient_evals``
(all of them, warm-up included), ``compile_seconds``, ``sampling_seconds`` (wall) and
``sampling_cpu_seconds``, ``cores``, ``budget_seconds``. `THRESHOLDS` says which values fail a
fit; `problems` lists the failures in words.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pymc as pm

DEFAULT_BUDGET_SECONDS = 300.0
"""Wall-time budget of the population stage, compile included (about 5x its expected time)."""
MIN_DRAWS_PER_CHAIN = 50
COMPILE_OPT_LEVEL = 1
"""LLVM optimisation level numba compiles the model's log density with. Most of the compile
time is LLVM's (measured: 33 of 57 s at numba's default, 3); at level 1 the model compiled
about 10 s faster, and the gradient was no slower (sampling CPU time within noise)."""
ADVI_STEPS = 5000


@dataclass(frozen=True)
class Thresholds:
    """Limits a fit's diagnostics must meet to replace the fit in use.

    R-hat and ESS follow Vehtari et al. (2021, "Rank-normalization, folding, and
    localization"), loosened for a fit of which only `ModelConfig.hyper_draws` (16) draws are
    used downstream: the split R-hat of every parameter at most 1.05 (1.01 is their bar for
    final inference), and at least 50 effective draws in bulk and tails for every parameter.
    Divergent transitions mean the sampler missed part of the posterior: at most 1% of draws.
    A tree that hits the maximum depth is a truncated trajectory (poor exploration, and a
    sign of a badly scaled posterior): at most 5% of draws.
    """

    r_hat_max: float = 1.05
    ess_bulk_min: float = 50.0
    ess_tail_min: float = 50.0
    divergence_share: float = 0.01
    max_depth_share: float = 0.05


THRESHOLDS = Thresholds()


def available_cores() -> int:
    """CPUs this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def problems(diagnostics: dict[str, float], limits: Thresholds = THRESHOLDS) -> list[str]:
    """The ways `diagnostics` fail `limits`, in words; empty for a sound fit."""
    out: list[str] = []
    if diagnostics.get("budget_exceeded", 0.0):
        how = "partial draws" if diagnostics.get("fallback") == 1.0 else "ADVI"
        out.append(f"sampling exceeded its {diagnostics['budget_seconds']:.0f} s budget ({how})")
    r_hat = diagnostics.get("r_hat_max")
    if r_hat is not None and not r_hat <= limits.r_hat_max:
        out.append(f"R-hat {r_hat:.3f} above {limits.r_hat_max}")
    for key, label, floor in (
        ("ess_bulk_min", "bulk", limits.ess_bulk_min),
        ("ess_tail_min", "tail", limits.ess_tail_min),
    ):
        ess = diagnostics.get(key)
        if ess is not None and not ess >= floor:
            out.append(f"{label} ESS {ess:.0f} below {floor:.0f}")
    draws = diagnostics.get("draws", 0.0)
    if draws:
        div = diagnostics.get("divergences", 0.0)
        if div / draws > limits.divergence_share:
            out.append(f"{div:.0f} divergent draws of {draws:.0f}")
        depth = diagnostics.get("max_depth_share", 0.0)
        if depth > limits.max_depth_share:
            out.append(f"{100 * depth:.1f}% of draws at the maximum tree depth")
    return out


def nuts(
    model: pm.Model,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
    cores: int | None = None,
    progressbar: bool = False,
) -> tuple[Any, dict[str, float]]:
    """Sample `model` with nutpie; the trace (arviz) and its diagnostics."""
    import nutpie

    cores = min(chains, cores or available_cores())
    wall0 = time.perf_counter()
    with _llvm_opt_level(COMPILE_OPT_LEVEL):
        compiled = nutpie.compile_pymc_model(model)
    wall1, cpu1 = time.perf_counter(), time.process_time()
    sampler = nutpie.sample(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        progress_bar=progressbar,
        # The platform levels, seasons and shocks trade off against each other: a
        # low-rank mass matrix follows those ridges.
        low_rank_modified_mass_matrix=True,
        blocking=False,
    )
    exceeded = False
    try:
        sampler._sampler.wait(max(budget_seconds - (wall1 - wall0), 1.0))
        trace = sampler.wait()
    except TimeoutError:
        exceeded = True
        trace = sampler.abort()
    wall2, cpu2 = time.perf_counter(), time.process_time()
    diag = {
        "compile_seconds": wall1 - wall0,
        "sampling_seconds": wall2 - wall1,
        "sampling_cpu_seconds": cpu2 - cpu1,
        "cores": float(cores),
        "budget_seconds": float(budget_seconds),
    }
    kept = _kept_draws(trace)
    if exceeded:
        diag["budget_exceeded"] = 1.0
        if kept >= MIN_DRAWS_PER_CHAIN:
            diag["fallback"] = 1.0
        else:
            trace = advi(model, seed, draws * chains)
            diag["fallback"] = 2.0
            diag["fallback_seconds"] = time.perf_counter() - wall2
            return trace, diag
    diag.update(trace_diagnostics(trace))
    return trace, diag


@contextlib.contextmanager
def _llvm_opt_level(level: int) -> Iterator[None]:
    """Numba's LLVM optimisation level (`NUMBA_OPT`) for what is compiled inside; numba reads
    it at every compile, so it can be set for one model without touching others."""
    from numba.core import config

    before = config.OPT
    config.OPT = type(before)(level)
    try:
        yield
    finally:
        config.OPT = before


def advi(model: pm.Model, seed: int, draws: int) -> Any:
    """Mean-field ADVI's approximate posterior, as a one-chain trace of `draws` draws."""
    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        approx = pm.fit(ADVI_STEPS, method="advi", random_seed=seed, progressbar=False)
        return approx.sample(draws, random_seed=seed)


def _kept_draws(trace: Any) -> int:
    posterior = getattr(trace, "posterior", None)
    if posterior is None:
        return 0
    return int(posterior.sizes.get("draw", 0))


def trace_diagnostics(trace: Any) -> dict[str, float]:
    """Convergence and sampler-effort figures of a NUTS trace (see the module docstring)."""
    out: dict[str, float] = {}
    stats = getattr(trace, "sample_stats", None)
    if stats is not None and "diverging" in stats:
        div = np.asarray(stats["diverging"])
        out["divergences"] = float(div.sum())
        out["draws"] = float(div.size)
        for key, name in (
            ("maxdepth_reached", "max_depth_share"),
            ("n_steps", "leapfrog_per_draw"),
            ("step_size", "step_size"),
            ("depth", "tree_depth"),
        ):
            if key in stats:
                out[name] = float(np.asarray(stats[key], dtype=np.float64).mean())
        evals = float(np.asarray(stats["n_steps"]).sum()) if "n_steps" in stats else 0.0
        warm = getattr(trace, "warmup_sample_stats", None)
        if warm is not None and "n_steps" in warm:
            evals += float(np.asarray(warm["n_steps"]).sum())
        if evals:
            out["gradient_evals"] = evals
    posterior = getattr(trace, "posterior", None)
    if posterior is not None and posterior.sizes.get("draw", 0) >= 4:
        import arviz as az

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if posterior.sizes.get("chain", 1) > 1:
                out["r_hat_max"] = _extreme(az.rhat(posterior), max)  # type: ignore[no-untyped-call]
            out["ess_bulk_min"] = _extreme(az.ess(posterior, method="bulk"), min)  # type: ignore[no-untyped-call]
            out["ess_tail_min"] = _extreme(az.ess(posterior, method="tail"), min)  # type: ignore[no-untyped-call]
    return {k: v for k, v in out.items() if np.isfinite(v)}


def _extreme(dataset: Any, pick: Any) -> float:
    values = [np.asarray(dataset[name], dtype=np.float64).ravel() for name in dataset.data_vars]
    flat = np.concatenate(values) if values else np.array([np.nan])
    flat = flat[np.isfinite(flat)]
    return float(pick(flat)) if flat.size else float("nan")


def describe(diagnostics: dict[str, float], limits: Thresholds = THRESHOLDS) -> str:
    """The diagnostics as a few lines for a person, ending with the verdict."""
    d = diagnostics

    def fmt(key: str, spec: str) -> str:
        return format(d[key], spec) if key in d else "n/a"

    lines = [
        f"population fit: compile {fmt('compile_seconds', '.1f')} s, sampling "
        f"{fmt('sampling_seconds', '.1f')} s wall ({fmt('sampling_cpu_seconds', '.1f')} s CPU) "
        f"on {fmt('cores', '.0f')} cores",
        f"  R-hat max {fmt('r_hat_max', '.3f')} (limit {limits.r_hat_max}), ESS min bulk "
        f"{fmt('ess_bulk_min', '.0f')} / tail {fmt('ess_tail_min', '.0f')} (limit "
        f"{limits.ess_bulk_min:.0f})",
        f"  divergences {fmt('divergences', '.0f')} of {fmt('draws', '.0f')} draws, at max tree "
        f"depth {100 * d.get('max_depth_share', 0.0):.1f}%, step size {fmt('step_size', '.3f')}, "
        f"leapfrog steps per draw {fmt('leapfrog_per_draw', '.1f')}",
    ]
    if "spread" in d:
        lines.append(
            f"  spread of monthly deviations x{d['spread']:.2f}: 80% intervals on the sample's "
            f"held-out last months covered {100 * d['spread_coverage80_plain']:.1f}%, now "
            f"{100 * d['spread_coverage80']:.1f}%"
        )
    found = problems(d, limits)
    lines.append("  diagnostics: " + ("FAILED: " + "; ".join(found) if found else "ok"))
    return "\n".join(lines)
