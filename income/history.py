"""Workers' income as the actuarial engine reads it: one figure per worker, platform, month.

`python -m actuarial forecast --history H.csv` reads `worker_id,platform,month,amount`, with
amounts in currency units; the API's statements are `date,platform,amount`, one line per
payment. This module turns stored records into the engine's rows, by the same rule as the
worker's own summary (a month the worker entered stands for the lines imported for it), in
one currency: the engine models one pool, and Mutua converts no money, so figures in other
currencies are left out and counted.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.money import Money, normalize_currency
from income import repository
from income.models import IncomeRecord
from income.summary import platform_months

HISTORY_COLUMNS = ("worker_id", "platform", "month", "amount")


@dataclass(frozen=True, slots=True)
class History:
    rows: list[tuple[str, str, str, str]]
    """`HISTORY_COLUMNS`, by worker (in the order given), month and platform."""
    workers: int
    """Workers with at least one row."""
    other_currencies: int
    """Month figures left out because they are in another currency."""


async def history_of(
    session: AsyncSession, worker_ids: Sequence[uuid.UUID], currency: str
) -> History:
    """The workers' monthly figures in `currency`, as rows of the engine's history CSV."""
    code = normalize_currency(currency)
    by_worker: dict[uuid.UUID, list[IncomeRecord]] = defaultdict(list)
    for record in await repository.records_of_workers(session, worker_ids):
        by_worker[record.worker_id].append(record)
    rows: list[tuple[str, str, str, str]] = []
    workers = other = 0
    for worker_id in worker_ids:
        figures = platform_months(by_worker.get(worker_id, []))
        kept = [figure for figure in figures if figure.currency == code]
        other += len(figures) - len(kept)
        workers += bool(kept)
        rows.extend(
            (
                str(worker_id),
                figure.platform,
                figure.period,
                str(Money(figure.amount_minor, code).decimal),
            )
            for figure in kept
        )
    return History(rows=rows, workers=workers, other_currencies=other)
