"""The income reminder, sent a few days before a pool's cut-off to members who reported
nothing for the month: a month without income is charged the minimum and pays no payout,
so the reminder is what stands between a busy worker and a missed payout."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.periods import Period
from i18n import choose_language
from income.models import IncomeRecord
from notifications import QueuedSms, enqueue_sms_batch
from pools.models import Membership, Pool, Worker
from runs import ids


async def send_income_reminders(session: AsyncSession, pool: Pool, period: Period) -> int:
    """Queue the reminder for every active member with no income recorded for the period;
    keyed by (pool, period, member), so a second call the same month sends nothing."""
    reported = exists().where(
        IncomeRecord.worker_id == Membership.worker_id, IncomeRecord.period == str(period)
    )
    rows = await session.execute(
        select(Membership.id, Worker.phone_e164, Worker.language)
        .join(Worker, Worker.id == Membership.worker_id)
        .where(
            Membership.pool_id == pool.id,
            Membership.status == "active",
            Membership.joined_on < period.shift(1).first_day,
            ~reported,
        )
    )
    messages = [
        QueuedSms(
            to=phone,
            template="income.reminder",
            language=choose_language(
                chosen=language, accept_language=None, phone_e164=phone,
                pool_default=pool.default_language,
            ),
            values={"period": period},
            dedup_key=ids.message_key("income.reminder", pool.id, str(period), membership),
        )
        for membership, phone, language in rows
    ]  # fmt: skip
    return await enqueue_sms_batch(session, messages)
