"""`python -m actuarial forecast` writes the documented JSON for every worker, and the
command's help reads as plain text."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from actuarial.cli import main
from actuarial.model import IncomeModel, sampling
from actuarial.synthetic import SyntheticPopulation
from tests.actuarial.conftest import mock_nuts

KEYS = ["month", "p05", "p10", "p25", "p50", "p75", "p90", "p95"]


def _write_history(pop: SyntheticPopulation, path: Path) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["worker_id", "platform", "month", "amount"])
        writer.writerows(pop.rows())


def _check(out: Path, n_workers: int, horizon: int) -> dict:  # type: ignore[type-arg]
    doc = json.loads(out.read_text())
    assert set(doc["model"]) == {"id", "version"}
    assert len(doc["workers"]) == n_workers
    for worker in doc["workers"]:
        assert set(worker) == {"worker_id", "baseline", "savings_target", "months"}
        assert worker["baseline"] >= 0
        target = worker["savings_target"]
        assert target["level"] == 0.9 and target["horizon_months"] == 6 and target["amount"] >= 0
        assert [m["month"] for m in worker["months"]] == ["2026-01", "2026-02", "2026-03"][:horizon]
        for month in worker["months"]:
            values = [month[k] for k in KEYS[1:]]
            assert values == sorted(values)
            assert set(month) == set(KEYS)
    return doc


def test_forecast_with_a_saved_fit(
    mocked_model: IncomeModel, small_population: SyntheticPopulation, tmp_path: Path
) -> None:
    history, fit, out = tmp_path / "h.csv", tmp_path / "fit.npz", tmp_path / "f.json"
    _write_history(small_population, history)
    mocked_model.save(fit)
    args = ["forecast", "--history", str(history), "--horizon", "3", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--fit", str(fit)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = _check(out, small_population.n_workers, 3)
    assert doc["model"]["id"] == mocked_model.model_id


def test_forecast_fits_when_no_fit_is_given(
    small_population: SyntheticPopulation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history, out, saved = tmp_path / "h.csv", tmp_path / "f.json", tmp_path / "fit.npz"
    _write_history(small_population, history)
    monkeypatch.setattr(sampling, "nuts", mock_nuts)
    args = ["forecast", "--history", str(history), "--horizon", "2", "--out", str(out)]
    more = ["--sample-workers", "100", "--save-fit", str(saved)]
    result = CliRunner().invoke(main, [*args, *more], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # The fit's diagnostics are printed beside the forecast.
    assert "R-hat" in result.output and "leapfrog steps per draw" in result.output
    _check(out, small_population.n_workers, 2)
    assert IncomeModel.load(saved).model_id == json.loads(out.read_text())["model"]["id"]


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ([], "Commands:"),
        (["forecast"], "Months ahead to forecast. [default: 12; 1<=x<=36]"),
        (["backtest"], "History months before the cut. [default: 30; x>=2]"),
        (["bench"], "Pricing scenarios. [default: 50000; x>=1]"),
    ],
)
def test_the_help_is_plain_text_with_defaults(command: list[str], says: str) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], prog_name="python -m actuarial")
    assert result.exit_code == 0, result.output
    assert "`" not in result.output
    assert result.output.startswith("Usage: python -m actuarial")
    assert says in " ".join(result.output.split())
