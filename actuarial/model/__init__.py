"""Mutua's Bayesian income model: two-stage fit, forecasts, baselines, savings targets."""

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
