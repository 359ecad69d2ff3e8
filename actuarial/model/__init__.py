"""Mutua's Bayesian income model: two-stage fit, forecasts, baselines, savings targets.

How the rest of Mutua uses it::

    history = IncomeHistory.from_rows(rows)  # (worker_id, platform, "YYYY-MM", amount)
    model = IncomeModel()                    # or IncomeModel.load(path) for a saved fit
    model.fit(history)                       # population stage, on a stratified sample
    model.save(path)                         # fit + model id + version, one .npz file
    forecast = model.predict(history, horizon=12)
    forecast.quantiles[i, t]                 # 5..95% of worker i's total income, month t
    forecast.baseline[i], forecast.savings_target[i]
    risk = to_member_risk(forecast, rows)    # actuarial.risk.MemberRisk for pool pricing

The model itself is described in `population` (stage one), `conjugate` (stage two),
`predictive` (paths, baseline, savings target), `tails`, `spread` (how widely months are
drawn, measured by each fit on its own last months), `newcomers` and `shock`.
"""

from actuarial.model.builder import MODEL_VERSION, IncomeModel, ModelConfig, ModelVersionError
from actuarial.model.data import IncomeHistory
from actuarial.model.forecast import Forecast
from actuarial.model.member_risk import to_member_risk
from actuarial.model.predictive import QUANTILES

__all__ = [
    "MODEL_VERSION",
    "QUANTILES",
    "Forecast",
    "IncomeHistory",
    "IncomeModel",
    "ModelConfig",
    "ModelVersionError",
    "to_member_risk",
]
