"""Which population fit a run uses, and when the population stage is fitted again.

Stage one of the income model (NUTS over a stratified sample) is the expensive part; stage
two (every member's conjugate update) is cheap and runs every month. So fits are stored in
the database and reused until they are older than the setting (3 months by default).

Which population a pool borrows from, in order:
1. its own, once it has enough members with six or more months of income (200 by default):
   its members' levels and seasons are then the best evidence about its members;
2. otherwise every pool of the installation in the same currency, pooled, when that reaches
   the same size: same-currency because the model's levels are in currency units, and a
   yen pool's levels say nothing about a dollar pool's;
3. otherwise the prior fit shipped with the package (`runs/data/prior_fit.npz`, fitted on the
   synthetic population the actuarial tests are calibrated on, two-decimal currency levels):
   it sets the shape of seasons, spells and tails, while each member's own months, through
   the conjugate update, set their level. A fresh co-op thus gets honest, wide forecasts
   from its first month instead of none.

A refit that raises, or whose diagnostics fail (`RunConfig.fit_limits`: R-hat, effective
sample sizes, divergent draws, trees at maximum depth; or a fit that ran out of its time
budget and fell back to partial draws or ADVI), is stored as `rejected` with the reason;
the previous fit stays in use and the run's report says so. A month is never blocked by a fit.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actuarial.model import MODEL_VERSION, IncomeHistory, IncomeModel
from actuarial.model.sampling import problems
from core.clock import utcnow
from core.periods import Period
from pools.models import Pool
from runs.config import RunConfig
from runs.inputs import load_currency_history
from runs.models import ModelFit

PRIOR_FIT = Path(__file__).resolve().parent / "data" / "prior_fit.npz"
MIN_HISTORY_MONTHS = 6


@dataclass
class ChosenFit:
    model: IncomeModel
    fit: ModelFit
    notes: list[str] = field(default_factory=list)
    """What the run's report says about the model (reuse, refit, fallback and why)."""


def members_with_history(history: IncomeHistory) -> int:
    has_income = (history.amounts > 0).any(axis=(1, 2))
    return int(((history.history_lengths() >= MIN_HISTORY_MONTHS) & has_income).sum())


def age_in_months(fitted_at: datetime, now: datetime) -> int:
    return (now.year - fitted_at.year) * 12 + now.month - fitted_at.month


async def latest_fit(session: AsyncSession, scope: str, key: str, model_id: str) -> ModelFit | None:
    return await session.scalar(
        select(ModelFit)
        .where(
            ModelFit.scope == scope,
            ModelFit.scope_key == key,
            ModelFit.model_id == model_id,
            ModelFit.status == "ok",
        )
        .order_by(ModelFit.fitted_at.desc())
        .limit(1)
    )


async def shipped_fit(session: AsyncSession, config: RunConfig) -> ChosenFit:
    """The packaged prior fit, recorded once as a fit row so runs can name it."""
    model = IncomeModel.from_bytes(PRIOR_FIT.read_bytes())
    if model.model_id != config.model.model_id():
        raise RuntimeError(
            f"the shipped prior fit is for model {model.model_id}, the run uses "
            f"{config.model.model_id()}: regenerate it with `python -m runs.prior`"
        )
    row = await latest_fit(session, "shipped", "prior", model.model_id)
    if row is None:
        row = ModelFit(
            scope="shipped",
            scope_key="prior",
            model_id=model.model_id,
            version=MODEL_VERSION,
            status="ok",
            fitted_at=utcnow(),
            n_workers=model.fitted.n_sample,
            seconds=0.0,
            diagnostics=dict(model.fitted.diagnostics),
            params=PRIOR_FIT.read_bytes(),
        )
        session.add(row)
        await session.flush()
    return ChosenFit(model, row, ["the prior fit shipped with Mutua (too few members to fit)"])


def loaded(row: ModelFit) -> IncomeModel:
    """The model of a stored fit; `ModelVersionError` if another model version made it."""
    assert row.params is not None
    return IncomeModel.from_bytes(row.params)


def rejection(diagnostics: dict[str, float], config: RunConfig) -> str | None:
    """Why a fit with these diagnostics may not replace the one in use, or None."""
    found = problems(diagnostics, config.fit_limits)
    return "; ".join(found) if found else None


async def refit(
    session: AsyncSession,
    scope: str,
    key: str,
    history: IncomeHistory,
    config: RunConfig,
) -> tuple[ModelFit, IncomeModel | None]:
    """Fit the population stage off the event loop; store the fit, accepted or rejected."""
    model = IncomeModel(config.model)
    started = time.perf_counter()
    error: str | None = None
    await session.commit()  # no transaction (on SQLite: no write lock) during the fit
    try:
        config.checkpoint("fit:population")
        await asyncio.to_thread(model.fit, history, budget_seconds=config.fit_budget_seconds)
        diagnostics = dict(model.fitted.diagnostics)
        error = rejection(diagnostics, config)
    except Exception as exc:  # a failed fit never blocks the month; the report says why
        diagnostics = {}
        error = f"{type(exc).__name__}: {exc}"[:500]
    row = ModelFit(
        scope=scope,
        scope_key=key,
        model_id=config.model.model_id(),
        version=MODEL_VERSION,
        status="rejected" if error else "ok",
        fitted_at=utcnow(),
        window_start=history.start_month,
        window_end=history.last_month,
        n_workers=history.n_workers,
        seconds=time.perf_counter() - started,
        diagnostics={**diagnostics, **({"rejected": error} if error else {})},  # type: ignore[dict-item]
        params=None if error else model.to_bytes(),
    )
    session.add(row)
    await session.flush()
    return row, None if error else model


async def choose_fit(
    session: AsyncSession,
    pool: Pool,
    period: Period,
    pool_history: IncomeHistory,
    closed_at: datetime,
    config: RunConfig,
) -> ChosenFit:
    """The fit this run uses, refitting first when the rules above say so."""
    model_id = config.model.model_id()
    now = utcnow()
    candidates: list[tuple[str, str, IncomeHistory | None]] = []
    if members_with_history(pool_history) >= config.pool_fit_min_members:
        candidates.append(("pool", str(pool.id), pool_history))
    candidates.append(("installation", pool.currency, None))
    notes: list[str] = []
    for scope, key, history in candidates:
        current = await latest_fit(session, scope, key, model_id)
        fresh = current is not None and (
            age_in_months(current.fitted_at, now) < config.model_max_age_months
        )
        if current is not None and (fresh or notes):
            # Fresh, or a refit was just rejected: one failed fit a month is enough.
            return ChosenFit(loaded(current), current, [*notes, f"reused the {scope} fit"])
        if notes:
            continue
        if history is None:
            history = await load_currency_history(session, pool.currency, period, closed_at)
            if members_with_history(history) < config.pool_fit_min_members:
                if current is not None:
                    return ChosenFit(loaded(current), current, [*notes, f"kept the {scope} fit"])
                continue
        row, model = await refit(session, scope, key, history, config)
        if model is not None:
            return ChosenFit(model, row, [*notes, f"refitted the {scope} population"])
        reason = row.diagnostics.get("rejected", "")
        notes.append(f"the {scope} refit was rejected ({reason}); the previous fit stays in use")
        if current is not None:
            return ChosenFit(loaded(current), current, notes)
    try:
        chosen = await shipped_fit(session, config)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc} ({'; '.join(notes) or 'no fit of this model yet'})") from exc
    chosen.notes = [*notes, *chosen.notes]
    return chosen
