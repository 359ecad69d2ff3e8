"""How a run behaves: the settings it reads, and the hooks tests use to interrupt it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actuarial.model import ModelConfig
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
    max_r_hat: float = 1.1
    max_divergence_share: float = 0.01
    """A population fit with a worse R-hat or more divergent draws than this is rejected and
    the previous fit stays in use."""
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
