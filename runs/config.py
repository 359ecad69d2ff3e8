"""How a run behaves: the settings it reads, and the hooks tests use to interrupt it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actuarial.model import ModelConfig
from actuarial.model.sampling import DEFAULT_BUDGET_SECONDS, THRESHOLDS, Thresholds
from core.settings import Settings

FaultHook = Callable[[str], None]
"""Called with a label at every step and chunk boundary (`before:model`, `after:chunk:
contributions:3`); a test raises from it to prove a run resumes from any point."""

BankSync = Callable[[async_sessionmaker[AsyncSession], uuid.UUID], Awaitable[dict[str, int]]]
"""Brings every linked bank of the pool's members up to date before income is closed;
returns counts for the run's report."""


@dataclass(frozen=True)
class RunConfig:
    chunk_size: int = 1000
    model_max_age_months: int = 3
    pool_fit_min_members: int = 200
    rate_recommendation_share: float = 0.10
    lease_seconds: int = 60
    model: ModelConfig = field(default_factory=ModelConfig)
    pricing_scenarios: int = 50_000
    """Scenarios of the ruin Monte Carlo; 50,000 put its standard error near 0.03 points at
    a 0.5% target."""
    fit_limits: Thresholds = THRESHOLDS
    """A population fit whose diagnostics fail these limits (R-hat, ESS, divergences, tree
    depth; see `actuarial.model.sampling`) or that ran out of its time budget is rejected
    and the previous fit stays in use."""
    fit_budget_seconds: float = DEFAULT_BUDGET_SECONDS
    """Wall time the population stage may take (compile included) before it falls back."""
    fault: FaultHook | None = None
    bank_sync: BankSync | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RunConfig:
        bank_sync = None
        if settings.plaid.enabled:
            from banks.sync import pool_sync_for

            bank_sync = pool_sync_for(settings)
        return cls(
            bank_sync=bank_sync,
            chunk_size=settings.run_chunk_size,
            model_max_age_months=settings.model_max_age_months,
            pool_fit_min_members=settings.pool_fit_min_members,
            rate_recommendation_share=settings.rate_recommendation_share,
            lease_seconds=settings.run_lease_seconds,
        )

    def checkpoint(self, label: str) -> None:
        if self.fault is not None:
            self.fault(label)
