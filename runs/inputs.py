"""What a run reads before deciding anything: the pool's members and their closed income.

Income is read once per run, aggregated by the database to one row per (worker, platform,
month), and laid into the model's dense arrays with numpy, so a 100,000-member pool costs one
query and no Python loop per row. Only income recorded before the run's close moment counts,
which is fixed on the run row at its first close: a resumed run reads the same income.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actuarial.model import IncomeHistory
from core.money import minor_digits
from core.periods import Period
from i18n import choose_language
from income.models import IncomeRecord
from pools.models import Membership, Pool, Worker

HISTORY_MONTHS = 36
"""Months of income the model sees; older months weigh little under its discount anyway."""


@dataclass(frozen=True)
class Members:
    """The run's members in ordinal order (by membership id), as aligned arrays."""

    membership_ids: list[uuid.UUID]
    worker_ids: list[uuid.UUID]
    phones: list[str]
    languages: list[str]
    months_of_membership: NDArray[np.int64]

    @property
    def n(self) -> int:
        return len(self.membership_ids)


@dataclass(frozen=True)
class ClosedIncome:
    """The period's income and the history before it, for every member."""

    history: IncomeHistory
    """Up to and including the period; one row per member, in ordinal order."""
    period_minor: NDArray[np.int64]
    """(n,) income recorded for the period itself, minor units."""
    reported: NDArray[np.bool_]
    """(n,) whether anything (even a zero) was recorded for the period."""
    other_currency_records: int
    """Records in another currency than the pool's, left out (and said in the report)."""


def months_between(earlier: Period, later: Period) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


async def load_members(session: AsyncSession, pool: Pool, period: Period) -> Members:
    """Active members who had joined by the end of the period, by membership id."""
    last_day = period.shift(1).first_day
    rows = await session.execute(
        select(
            Membership.id,
            Membership.worker_id,
            Membership.joined_on,
            Worker.phone_e164,
            Worker.language,
        )
        .join(Worker, Worker.id == Membership.worker_id)
        .where(
            Membership.pool_id == pool.id,
            Membership.status == "active",
            Membership.joined_on < last_day,
        )
        .order_by(Membership.id)
    )
    membership_ids: list[uuid.UUID] = []
    worker_ids: list[uuid.UUID] = []
    phones: list[str] = []
    languages: list[str] = []
    tenure: list[int] = []
    for membership_id, worker_id, joined_on, phone, language in rows:
        membership_ids.append(membership_id)
        worker_ids.append(worker_id)
        phones.append(phone)
        languages.append(
            choose_language(
                chosen=language,
                accept_language=None,
                phone_e164=phone,
                pool_default=pool.default_language,
            )
        )
        tenure.append(max(months_between(Period.of(joined_on), period), 0))
    return Members(
        membership_ids, worker_ids, phones, languages, np.asarray(tenure, dtype=np.int64)
    )


async def load_income(
    session: AsyncSession,
    pool: Pool,
    period: Period,
    members: Members,
    closed_at: datetime,
) -> ClosedIncome:
    """The members' income up to the period, recorded before `closed_at`, in the pool's
    currency, as the model's arrays."""
    first = period.shift(-(HISTORY_MONTHS - 1))
    member_workers = (
        select(Membership.worker_id)
        .where(
            Membership.pool_id == pool.id,
            Membership.status == "active",
            Membership.joined_on < period.shift(1).first_day,
        )
        .scalar_subquery()
    )
    base = (
        IncomeRecord.worker_id.in_(member_workers),
        IncomeRecord.period >= str(first),
        IncomeRecord.period <= str(period),
        IncomeRecord.created_at < closed_at,
    )
    rows = (
        await session.execute(
            select(
                IncomeRecord.worker_id,
                IncomeRecord.platform,
                IncomeRecord.period,
                func.sum(IncomeRecord.amount_minor),
            )
            .where(*base, IncomeRecord.currency == pool.currency)
            .group_by(IncomeRecord.worker_id, IncomeRecord.platform, IncomeRecord.period)
        )
    ).all()
    other = await session.scalar(
        select(func.count()).where(*base, IncomeRecord.currency != pool.currency)
    )
    arrays = _arrays(rows, members.worker_ids, first, minor_digits(pool.currency))
    last = arrays.t == HISTORY_MONTHS - 1
    period_minor = np.zeros(members.n, dtype=np.int64)
    np.add.at(period_minor, arrays.w[last], arrays.minor[last])
    reported = np.zeros(members.n, dtype=np.bool_)
    reported[arrays.w[last]] = True
    history = IncomeHistory(
        worker_ids=tuple(str(m) for m in members.membership_ids),
        platforms=arrays.platforms,
        start_month=str(first),
        amounts=arrays.amounts,
        first_month=arrays.first_month,
    )
    return ClosedIncome(history, period_minor, reported, int(other or 0))


def trimmed(history: IncomeHistory, n_months: int) -> IncomeHistory:
    """The history without its last `n_months` months (what was known before the period)."""
    return history.truncated(history.n_months - n_months)


async def load_currency_history(
    session: AsyncSession, currency: str, period: Period, closed_at: datetime
) -> IncomeHistory:
    """Every worker's income in one currency, across the installation's pools, for a
    population fit shared by pools too small to fit one of their own."""
    first = period.shift(-(HISTORY_MONTHS - 1))
    rows = (
        await session.execute(
            select(
                IncomeRecord.worker_id,
                IncomeRecord.platform,
                IncomeRecord.period,
                func.sum(IncomeRecord.amount_minor),
            )
            .where(
                IncomeRecord.currency == currency,
                IncomeRecord.period >= str(first),
                IncomeRecord.period <= str(period),
                IncomeRecord.created_at < closed_at,
            )
            .group_by(IncomeRecord.worker_id, IncomeRecord.platform, IncomeRecord.period)
        )
    ).all()
    workers = sorted({row[0] for row in rows})
    arrays = _arrays(rows, workers, first, minor_digits(currency))
    return IncomeHistory(
        worker_ids=tuple(str(w) for w in workers),
        platforms=arrays.platforms,
        start_month=str(first),
        amounts=arrays.amounts,
        first_month=arrays.first_month,
    )


@dataclass(frozen=True)
class _Arrays:
    w: NDArray[np.int64]
    t: NDArray[np.int64]
    minor: NDArray[np.int64]
    platforms: tuple[str, ...]
    amounts: NDArray[np.float64]
    first_month: NDArray[np.int64]


def _arrays(
    rows: Sequence[Any], workers: Sequence[uuid.UUID], first: Period, digits: int
) -> _Arrays:
    """(worker, platform, month, sum) rows as the model's dense arrays, in currency units."""
    n, n_t = len(workers), HISTORY_MONTHS
    index_of = {worker: i for i, worker in enumerate(workers)}
    platforms = tuple(sorted({row[1] for row in rows})) or ("other",)
    p_index = {name: j for j, name in enumerate(platforms)}
    month_of = {str(first.shift(t)): t for t in range(n_t)}
    rows = [row for row in rows if row[0] in index_of]  # a worker in two pools, say
    count = len(rows)
    w = np.fromiter((index_of[row[0]] for row in rows), dtype=np.int64, count=count)
    p = np.fromiter((p_index[row[1]] for row in rows), dtype=np.int64, count=count)
    t = np.fromiter((month_of[row[2]] for row in rows), dtype=np.int64, count=count)
    minor = np.fromiter((int(row[3]) for row in rows), dtype=np.int64, count=count)
    amounts = np.zeros((n, len(platforms), n_t))
    np.add.at(amounts, (w, p, t), minor / 10.0**digits)
    first_month = np.full(n, n_t - 1, dtype=np.int64)
    np.minimum.at(first_month, w, t)
    return _Arrays(w, t, minor, platforms, amounts, first_month)
