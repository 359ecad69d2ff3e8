"""The backtest's comparison table: every method on the same held-out months of either
generator (on a mocked fit: this is about the bookkeeping, not the model)."""

from __future__ import annotations

import numpy as np
import pytest

from actuarial.backtest import Outcomes, compare, report, run_seed
from actuarial.model import IncomeModel, ModelConfig


@pytest.mark.parametrize("generator", ["project", "regimes"])
def test_compare_prints_coverage_tail_shares_scores_and_cpu(
    mocked_model: IncomeModel, generator: str
) -> None:
    out = Outcomes()
    config = ModelConfig()
    for seed in (1, 2):
        run_seed(seed, 200, 12, 3, 3, config, out, model=mocked_model, generator=generator)
    assert len(out.quantiles["model"]) == 2 and out.cpu["model"] > 0
    table = compare(out)
    assert "<p05" in table and "<p95" in table and "CPU s" in table
    row = next(line for line in table.splitlines() if line.strip().startswith("model"))
    assert len(row.split()) == 1 + 2 + 7 + 2 + 2 + 2 + 1
    assert "PIT deciles" in report(out)


def test_a_month_of_no_income_at_a_zero_quantile_is_a_tie_not_below() -> None:
    """Four outcomes, two of them no income where p05 and p10 are 0: nothing is strictly
    below p05, and half the outcomes are shown tied with it."""
    out = Outcomes()
    quantiles = np.array([[0.0, 0.0, 10, 20, 30, 40, 50]] * 2 + [[5.0, 8, 10, 20, 30, 40, 50]] * 2)
    out.add("model", quantiles[None], 1.0)
    out.actual.append(np.array([[0.0, 0.0, 6.0, 45.0]]))
    out.history.append(np.array([[2, 2, 30, 30]]))
    out.score_own.append(np.ones((1, 4)))
    row = next(line for line in compare(out).splitlines() if line.strip().startswith("model"))
    columns = row.split()
    below05, tie05, tie10 = columns[3], columns[10], columns[11]
    assert (below05, tie05, tie10) == ("0.0", "50.0", "50.0")
