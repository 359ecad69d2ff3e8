"""The backtest's comparison table: every method on the same held-out months of either
generator (on a mocked fit: this is about the bookkeeping, not the model)."""

from __future__ import annotations

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
    assert len(row.split()) == 1 + 2 + 7 + 2 + 2 + 1
    assert "PIT deciles" in report(out)
