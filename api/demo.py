"""A demo co-op to explore Mutua with: one pool, its administrator, and a few dozen workers
with two years of generated multi-platform income.

Deterministic for a given seed (names, phones, languages, income, ledger entries), and safe
to run twice: a seeded database is left alone, and every ledger entry has a fixed id, so a
crash half-way and a re-run end in the same state.
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from actuarial.synthetic import generate_population
from core.clock import utcnow
from core.money import from_float
from core.periods import Period
from income.repository import add_records_skipping_known, get_or_create_source
from pools import repository
from pools.admins import create_admin
from pools.ledger import TransferRequest, open_member_accounts, open_pool_accounts, post_transfers
from pools.models import Membership, Worker
from pools.service import create_pool

DEMO_ADMIN_EMAIL = "admin@demo.mutua.coop"
DEMO_POOL_NAME = "Mutua Demo Co-op"
DEMO_CURRENCY = "USD"
_NAMESPACE = uuid.UUID("6f1c1d1e-5b7a-4c36-9a53-2f1f7d0e7a11")
_FIRST_NAMES = (
    "Ana", "Luis", "Mei", "Jean", "Amina", "Ravi", "Thu", "Kofi", "Maria", "Joao", "Fatima",
    "Daniel", "Rosa", "Minh", "Aisha", "Carlos", "Priya", "Wanjiru", "Marie", "Rahim",
    "Lucia", "Jose", "Linh", "Nadia", "Samuel", "Grace", "Ali", "Elena", "Tomas", "Yuki",
)  # fmt: skip
_LAST_INITIALS = "ABCDEFGHJKLMNPRSTVW"
_LANGUAGES = ("en", "en", "en", "es", "es", "pt-BR", "ht", "fil", "vi", "zh-Hans", "bn", "sw")


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    admin_email: str
    admin_password: str | None
    pool_code: str | None
    phones: list[str]


def _demo_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, ":".join(str(part) for part in parts))


async def seed_demo(
    session: AsyncSession,
    *,
    seed: int = 7,
    n_workers: int = 36,
    months: int = 24,
    password: str | None = None,
) -> DemoSummary:
    """Seed the demo co-op into an empty database, in one transaction; do nothing if any pool
    exists."""
    if await repository.count_pools(session) > 0:
        return DemoSummary(False, DEMO_ADMIN_EMAIL, None, None, [])
    rng = np.random.default_rng(seed)
    admin_password = password or secrets.token_urlsafe(12)
    admin = await create_admin(session, DEMO_ADMIN_EMAIL, admin_password, role="operator")
    pool = await create_pool(
        session,
        admin.id,
        name=DEMO_POOL_NAME,
        currency=DEMO_CURRENCY,
        timezone="America/New_York",
    )
    last_month = Period.current(pool.timezone).shift(-1)
    first_month = last_month.shift(-(months - 1))
    population = generate_population(n_workers, months, seed=seed, start_month=str(first_month))
    labels = population.months
    pool_accounts = await open_pool_accounts(session, pool)
    phones: list[str] = []
    records: list[dict[str, object]] = []
    transfers: list[TransferRequest] = []
    now = utcnow()
    for index in range(population.n_workers):
        phone = f"+1415555{index + 100:04d}"
        phones.append(phone)
        name = f"{_FIRST_NAMES[index % len(_FIRST_NAMES)]} {rng.choice(list(_LAST_INITIALS))}."
        worker = Worker(
            id=_demo_id(seed, "worker", index),
            phone_e164=phone,
            name=name,
            language=_LANGUAGES[int(rng.integers(len(_LANGUAGES)))],
            timezone=pool.timezone,
            sms_opted_out=False,
            created_at=now,
        )
        session.add(worker)
        await session.flush()
        joined = Period.parse(labels[int(population.first_month[index])])
        session.add(
            Membership(
                id=_demo_id(seed, "membership", index),
                pool_id=pool.id,
                worker_id=worker.id,
                status="active",
                joined_on=joined.first_day,
            )
        )
        await session.flush()
        accounts = await open_member_accounts(session, pool, worker.id)
        for p, platform in enumerate(population.platforms):
            amounts = population.amounts[index, p]
            if not np.any(amounts > 0):
                continue
            source = await get_or_create_source(session, worker.id, "csv", platform)
            for t in np.flatnonzero(amounts > 0):
                records.append(
                    {
                        "id": _demo_id(seed, "income", index, platform, t),
                        "worker_id": worker.id,
                        "source_id": source.id,
                        "platform": platform,
                        "kind": "csv",
                        "period": labels[int(t)],
                        "earned_on": Period.parse(labels[int(t)]).first_day,
                        "amount_minor": from_float(float(amounts[t]), DEMO_CURRENCY).amount_minor,
                        "currency": DEMO_CURRENCY,
                        "external_id": f"demo:{labels[int(t)]}:{platform}",
                        "created_at": _reported_at(labels[int(t)], now),
                    }
                )
        totals = population.totals()[index]
        for month in range(max(int(population.first_month[index]), months - 6), months):
            saved = from_float(round(0.05 * float(totals[month]), 2), DEMO_CURRENCY).amount_minor
            if saved > 0:
                transfers.append(
                    TransferRequest(
                        id=_demo_id(seed, "saved", index, month),
                        debit_account_id=pool_accounts.world.id,
                        credit_account_id=accounts.savings.id,
                        amount_minor=saved,
                        currency=DEMO_CURRENCY,
                        reason="income_saved",
                        period=labels[month],
                        memo="demo: 5% of the month's income set aside",
                    )
                )
    transfers.append(
        TransferRequest(
            id=_demo_id(seed, "reserve"),
            debit_account_id=pool_accounts.world.id,
            credit_account_id=pool_accounts.reserve.id,
            amount_minor=from_float(250.0 * n_workers, DEMO_CURRENCY).amount_minor,
            currency=DEMO_CURRENCY,
            reason="reserve_funding",
            period=labels[-1],
            memo="demo: founding members' opening reserve",
        )
    )
    await add_records_skipping_known(session, records)
    await post_transfers(session, transfers)
    await session.commit()
    return DemoSummary(True, DEMO_ADMIN_EMAIL, admin_password, pool.join_code, phones)


def _reported_at(month: str, now: datetime) -> datetime:
    """When a demo worker reported a month's income: the first day of the next month, as a
    worker who reports on time would, so every past month's run finds it before its cut-off."""
    first = Period.parse(month).shift(1).first_day
    return min(datetime(first.year, first.month, first.day, tzinfo=UTC), now)


def remember_password(path: Path, summary: DemoSummary) -> None:
    """Keep the demo administrator's password beside the embedded database (owner-only), so
    a later `make run` can print it again."""
    if summary.admin_password is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when an older copy was readable by others
    with os.fdopen(descriptor, "w") as handle:
        handle.write(f"{summary.admin_email}\n{summary.admin_password}\n")
