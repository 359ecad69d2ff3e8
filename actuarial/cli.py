"""`python -m actuarial`: forecast, backtest and bench, on click like `mutua` and `python -m i18n`.

The help texts are what a user reads, so they are plain sentences (click shows docstrings as
written) and every option says its default.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from actuarial.model import IncomeHistory, IncomeModel, ModelConfig
from actuarial.model.sampling import DEFAULT_BUDGET_SECONDS, describe

PROG = "python -m actuarial"


@click.group(context_settings={"show_default": True, "max_content_width": 100})
def main() -> None:
    """Mutua's actuarial engine: income forecasts, savings targets, checks and benchmarks."""


@main.command()
@click.option(
    "--history",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of worker_id,platform,month,amount (month YYYY-MM, amount in currency units), "
    "as mutua income export --pool ID writes it.",
)
@click.option("--horizon", default=12, type=click.IntRange(1, 36), help="Months ahead to forecast.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the forecasts (JSON).",
)
@click.option(
    "--fit",
    "fit_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this saved fit instead of fitting; it must come from this version of the model.",
)
@click.option(
    "--save-fit",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Keep the fit made from the history here, for later --fit runs.",
)
@click.option(
    "--sample-workers",
    default=ModelConfig.sample_workers,
    type=click.IntRange(1),
    help="Workers in the stratified sample the population stage is fitted on.",
)
@click.option("--seed", default=0, type=int, help="Seed of the sampler and the forecast paths.")
@click.option(
    "--budget",
    default=DEFAULT_BUDGET_SECONDS,
    type=click.FloatRange(1.0),
    help="Seconds the population stage may take before it falls back (partial draws or ADVI; "
    "the diagnostics say which).",
)
def forecast(
    history: Path,
    horizon: int,
    out: Path,
    fit_path: Path | None,
    save_fit: Path | None,
    sample_workers: int,
    seed: int,
    budget: float,
) -> None:
    """Forecast every worker in a history CSV.

    Writes each worker's monthly quantiles, baseline and savings target. Without --fit, the
    population stage is first fitted on a sample of the history. The fit's sampler
    diagnostics are printed either way.
    """
    data = IncomeHistory.from_csv(history)
    if fit_path is not None:
        model = IncomeModel.load(fit_path)
    else:
        model = IncomeModel(ModelConfig(sample_workers=sample_workers))
        model.fit(data, seed=seed, budget_seconds=budget)
        if save_fit is not None:
            model.save(save_fit)
    click.echo(describe(model.fitted.diagnostics))
    result = model.predict(data, horizon=horizon, seed=seed)
    out.write_text(json.dumps(result.to_json(), indent=1))
    click.echo(
        f"{result.n_workers} workers, {result.horizon} months "
        f"({result.months[0]}..{result.months[-1]}), model {result.model_id} -> {out}"
    )


@main.command()
@click.option("--workers", default=4000, type=click.IntRange(10), help="Workers per population.")
@click.option("--months", default=30, type=click.IntRange(2), help="History months before the cut.")
@click.option("--horizon", default=6, type=click.IntRange(1), help="Held-out months scored.")
@click.option("--platforms", default=4, type=click.IntRange(1), help="Platforms per population.")
@click.option("--seeds", default=2, type=click.IntRange(1), help="Independent populations.")
@click.option(
    "--sample-workers",
    default=ModelConfig.sample_workers,
    type=click.IntRange(1),
    help="Workers in the population stage's sample.",
)
@click.option(
    "--generator",
    default="both",
    type=click.Choice(["project", "regimes", "both"]),
    help="Which generator makes the populations: the project's, the regime-switching one "
    "built on other assumptions, or both in turn.",
)
@click.option(
    "--peer",
    type=click.Choice(["lightgbm"]),
    help="Also score this non-Bayesian peer on the same held-out months (LightGBM quantile "
    "regression on lag features; needs the dev dependencies).",
)
def backtest(
    workers: int,
    months: int,
    horizon: int,
    platforms: int,
    seeds: int,
    sample_workers: int,
    generator: str,
    peer: str | None,
) -> None:
    """Calibration and scores on generated held-out months.

    Scores are against two naive forecasts: the worker's own past months and everyone's,
    and against the peer if one is named. Every method's share of outcomes below each
    quantile and CPU time are printed.
    """
    from actuarial.backtest import backtest_command

    backtest_command(
        workers=workers,
        months=months,
        horizon=horizon,
        platforms=platforms,
        seeds=seeds,
        sample_workers=sample_workers,
        generators=("project", "regimes") if generator == "both" else (generator,),
        peer=peer,
    )


@main.command()
@click.option("--workers", default=100_000, type=click.IntRange(1), help="Workers generated.")
@click.option("--months", default=24, type=click.IntRange(2), help="Months of history.")
@click.option("--platforms", default=3, type=click.IntRange(1), help="Platforms per worker.")
@click.option(
    "--sample-workers",
    default=2000,
    type=click.IntRange(1),
    help="Workers in the population stage's sample.",
)
@click.option("--threads", default=2, type=click.IntRange(1), help="Threads for forecasting.")
@click.option("--members", default=100_000, type=click.IntRange(1), help="Pool size for pricing.")
@click.option("--scenarios", default=50_000, type=click.IntRange(1), help="Pricing scenarios.")
def bench(
    workers: int,
    months: int,
    platforms: int,
    sample_workers: int,
    threads: int,
    members: int,
    scenarios: int,
) -> None:
    """Time and peak memory of each stage at Mutua's scale."""
    from actuarial.bench import bench_command

    bench_command(
        workers=workers,
        months=months,
        platforms=platforms,
        sample_workers=sample_workers,
        threads=threads,
        members=members,
        scenarios=scenarios,
    )
