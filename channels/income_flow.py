"""INCOME by text: read what was given, ask for what is missing, confirm, then save.

The exchange is kept per phone (`conversation_states`) for `STATE_TTL`; what is kept is
what was read (amount, currency, platform, month), never the worker's words. Saving goes
through `income.service.record_manual` with source `sms`, the same rules as the web.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from channels import repository
from channels.numbers import amount_minor, parse_choice, parse_month, parse_number
from channels.replies import Reply, say
from core.errors import ValidationFailed
from core.money import Money
from core.periods import Period
from i18n.registry import PLATFORM_LIST
from income.errors import UnknownPlatform
from income.platforms import parse_platform
from income.service import record_manual
from pools.models import Pool, Worker

STATE_TTL = timedelta(minutes=15)
PLATFORM_NAMES = {
    "uber": "Uber",
    "lyft": "Lyft",
    "doordash": "DoorDash",
    "ubereats": "Uber Eats",
    "instacart": "Instacart",
    "grubhub": "Grubhub",
    "upwork": "Upwork",
    "fiverr": "Fiverr",
    "taskrabbit": "TaskRabbit",
    "etsy": "Etsy",
    "other": "Other",
}


def platform_of(text: str) -> str | None:
    try:
        return parse_platform(text)
    except UnknownPlatform:
        return None


def _read(tokens: list[str], language: str, current: Period) -> dict[str, Any] | None:
    """Amount, platform and month from the words after INCOME; None if no amount reads."""
    found: dict[str, Any] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        pair = f"{token}{tokens[index + 1]}" if index + 1 < len(tokens) else None
        if "amount" not in found and (number := parse_number(token, language)) is not None:
            found["amount"] = number
        elif "platform" not in found and pair and (platform := platform_of(pair)):
            found["platform"] = platform
            index += 1
        elif "platform" not in found and (platform := platform_of(token)):
            found["platform"] = platform
        elif "period" not in found and (period := parse_month(token, language, current)):
            found["period"] = str(period)
        index += 1
    return found if "amount" in found else None


def _money(data: dict[str, Any]) -> Money:
    return Money(int(data["amount_minor"]), str(data["currency"]))


async def _next(
    session: AsyncSession, phone: str, data: dict[str, Any], language: str, now: datetime
) -> Reply:
    """Ask for the first thing missing, or for confirmation once nothing is."""
    current = Period.parse(data["current"])
    if "platform" not in data:
        data["step"] = "platform"
        reply = say(
            "INCOME",
            "income.ask_platform",
            language,
            amount=_money(data),
            platforms=PLATFORM_LIST,
        )
    elif "period" not in data:
        data["step"] = "month"
        reply = say(
            "INCOME",
            "income.ask_month",
            language,
            amount=_money(data),
            platform=PLATFORM_NAMES[data["platform"]],
            current=current,
            previous=current.shift(-1),
        )
    else:
        data["step"] = "confirm"
        reply = say(
            "INCOME",
            "income.confirm",
            language,
            platform=PLATFORM_NAMES[data["platform"]],
            amount=_money(data),
            period=Period.parse(data["period"]),
        )
    await repository.save_state(session, phone, "income", data, now + STATE_TTL)
    return reply


async def start(
    session: AsyncSession,
    worker: Worker,
    pools: Sequence[Pool],
    argument: str,
    language: str,
    now: datetime,
) -> Reply:
    """`INCOME <amount> [platform] [month]`, in the currency of the worker's first pool."""
    pool = pools[0]
    current = Period.current(pool.timezone, now)
    tokens = argument.split()
    if not tokens:
        return say("INCOME", "income.ask_amount", language)
    read = _read(tokens, language, current)
    minor = amount_minor(read["amount"], pool.currency) if read else None
    if read is None or minor is None:
        return say("INCOME", "income.bad_amount", language)
    data: dict[str, Any] = {
        "amount_minor": minor,
        "currency": pool.currency,
        "current": str(current),
        **{key: read[key] for key in ("platform", "period") if key in read},
    }
    return await _next(session, worker.phone_e164, data, language, now)


async def answer(
    session: AsyncSession,
    worker: Worker,
    pools: Sequence[Pool],
    data: dict[str, Any],
    text: str,
    said: str | None,
    language: str,
    now: datetime,
) -> Reply:
    """The worker's answer to the question asked; `said` is YES/NO when the text was one."""
    phone = worker.phone_e164
    if said == "NO":
        await repository.clear_state(session, phone)
        return say("INCOME", "income.cancelled", language)
    step = data.get("step")
    current = Period.parse(data["current"])
    if step == "platform":
        platform = platform_of(text.strip()) or platform_of(text.replace(" ", ""))
        if platform is not None:
            data["platform"] = platform
    elif step == "month":
        choice = parse_choice(text)
        period = (
            current
            if choice == 1
            else current.shift(-1)
            if choice == 2
            else parse_month(text, language, current)
        )
        if period is not None and period <= current:
            data["period"] = str(period)
    elif step == "confirm" and said == "YES":
        return await _save(session, worker, pools, data, language)
    return await _next(session, phone, data, language, now)


async def _save(
    session: AsyncSession,
    worker: Worker,
    pools: Sequence[Pool],
    data: dict[str, Any],
    language: str,
) -> Reply:
    await repository.clear_state(session, worker.phone_e164)
    period = Period.parse(data["period"])
    try:
        await record_manual(
            session,
            worker.id,
            platform=data["platform"],
            period=period,
            amount_minor=int(data["amount_minor"]),
            currency=str(data["currency"]),
            pool_currencies=[pool.currency for pool in pools],
            source="sms",
        )
    except ValidationFailed:
        return say("INCOME", "income.refused", language, amount=_money(data), period=period)
    return say(
        "INCOME",
        "income.saved",
        language,
        platform=PLATFORM_NAMES[data["platform"]],
        amount=_money(data),
        period=period,
    )
