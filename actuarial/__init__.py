"""Mutua's actuarial core: pure numerics, no database, no HTTP.

The pool's rules, payouts, relief and the member-risk hand-off load at once: the service
uses them on every request that touches a pool. The income model (PyMC) and pricing load
on first use, so a web process or a command that never forecasts does not pay for PyMC.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from actuarial.payouts import (
    PayoutBatch,
    PayoutFactors,
    PayoutReason,
    PoolRules,
    decide_payout,
    decide_payouts,
)
from actuarial.relief import ReliefBatch, ReliefFactors, ReliefReason, decide_relief
from actuarial.risk import CommonShock, MemberRisk

_LAZY = {
    "IncomeHistory": "actuarial.model",
    "IncomeModel": "actuarial.model",
    "ModelConfig": "actuarial.model",
    "ModelVersionError": "actuarial.model",
    "Forecast": "actuarial.model",
    "to_member_risk": "actuarial.model",
    "PricingResult": "actuarial.pricing",
    "price_pool": "actuarial.pricing",
    "evaluate_rate": "actuarial.pricing",
    "generate_population": "actuarial.synthetic",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'actuarial' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "CommonShock",
    "MemberRisk",
    "PayoutBatch",
    "PayoutFactors",
    "PayoutReason",
    "PoolRules",
    "ReliefBatch",
    "ReliefFactors",
    "ReliefReason",
    "decide_payout",
    "decide_payouts",
    "decide_relief",
    *_LAZY,
]
