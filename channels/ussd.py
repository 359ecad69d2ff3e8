"""USSD menus (Africa's Talking): the same services as the SMS conversation, by numbers.

Africa's Talking sends the whole path of answers with every request (`text` is
`3*450*uber*1`, one field per screen answered), so a menu needs no state of its own: each
request is read from the start of the path, and a retried request lands on the same
screen. A screen that waits for an answer starts with `CON`, the last one with `END`;
every screen is a catalog template flagged `ussd`, held to one screen by the catalog check.

A phone that is in no pool (not a worker yet, or one who left) is asked for a join code
straight away (joining is all it can do); a member gets the menu: balance, savings
target, report income, last payout and why, language, join another pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from channels import money_views, repository
from channels.conversation import language_of
from channels.income_flow import PLATFORM_NAMES, platform_of
from channels.numbers import amount_minor, parse_choice, parse_number
from core.errors import ValidationFailed
from core.money import Money
from core.periods import Period
from core.ratelimit import Limit, counter_key, hit
from i18n import SUPPORTED_LANGUAGES, render_sms
from i18n.registry import Value
from income.service import record_manual
from pools import repository as pools_repository
from pools.errors import JoinCodeNotFound, MembershipSuspended
from pools.models import Pool, Worker
from pools.profile import update_profile
from pools.service import join_pool

LANGUAGE_PAGES = (
    "1 English\n2 Español\n3 Português\n4 Français\n5 Kreyòl\n6 Filipino\n0 >>",
    "7 Tiếng Việt\n8 中文\n9 العربية\n10 हिन्दी\n11 বাংলা\n12 Kiswahili",
)


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    final: bool

    @property
    def body(self) -> str:
        """The answer as Africa's Talking reads it: `CON …` or `END …`."""
        return ("END " if self.final else "CON ") + self.text


def _screen(template: str, language: str, final: bool, **values: Value) -> Screen:
    return Screen(render_sms(template, language, **values).text, final)


def ask(template: str, language: str, **values: Value) -> Screen:
    return _screen(template, language, False, **values)


def end(template: str, language: str, **values: Value) -> Screen:
    return _screen(template, language, True, **values)


def answers(text: str) -> list[str]:
    return [part.strip() for part in text.split("*")] if text.strip() else []


@dataclass(frozen=True, slots=True)
class UssdLimit:
    """Screens one phone may open per hour, and the secret that keys the phone's counter."""

    per_hour: int
    secret: str

    async def allows(self, session: AsyncSession, phone: str, now: datetime) -> bool:
        limit = Limit("ussd:phone", self.per_hour, timedelta(hours=1))
        verdict = await hit(session, limit, counter_key(self.secret, "ussd", phone), now)
        return verdict.allowed


async def menu(
    session: AsyncSession, phone: str, text: str, now: datetime, limit: UssdLimit
) -> Screen:
    """The screen for the path of answers `text`, from the phone `phone` (E.164)."""
    path = answers(text)[:8]
    worker = await pools_repository.worker_by_phone(session, phone)
    language = language_of(worker, phone)
    if not await limit.allows(session, phone, now):
        return end("ussd.rate_limited", language)
    pools = await repository.active_pools(session, worker.id) if worker else []
    if not pools:
        # Not in a pool (yet, or any more): joining is all there is to do.
        if not path:
            return ask("ussd.ask_code", language)
        return await _join(session, phone, worker, path[0], language)
    assert worker is not None
    language = language_of(worker, phone, pools[0])
    if not path:
        return ask("ussd.menu", language)
    choice, rest = parse_choice(path[0]), path[1:]
    if choice == 6:
        return (
            await _join(session, phone, worker, rest[0], language)
            if rest
            else ask("ussd.ask_code", language)
        )
    if choice == 5:
        return await _language(session, worker, rest, language)
    if choice not in (1, 2, 3, 4):
        return end("ussd.invalid", language)
    pool = pools[0]
    if choice == 1:
        shown = await money_views.balance(session, worker.id, pool)
        return end(
            "ussd.balance", language, savings=shown.savings, paid=shown.paid, owed=shown.owed
        )
    if choice == 2:
        goal = await money_views.target(session, worker.id, pool, language)
        if goal is None:
            return end("ussd.nothing_yet", language)
        return end(
            "ussd.target",
            language,
            target=goal.target,
            balance=goal.balance,
            set_aside=goal.set_aside,
        )
    if choice == 4:
        payout = await money_views.last_payout(session, worker.id)
        if payout is None:
            return end("ussd.nothing_yet", language)
        return end(
            "ussd.payout",
            language,
            period=Period.parse(payout.period),
            amount=Money(payout.amount_minor, payout.currency),
            factor=(payout.explanation or ["income_volatile"])[0],
        )
    return await _income(session, worker, pools, pool, rest, language, now)


async def _join(
    session: AsyncSession, phone: str, worker: Worker | None, code: str, language: str
) -> Screen:
    try:
        async with session.begin_nested():
            member = worker
            if member is None:
                member = Worker(phone_e164=phone, timezone="UTC", sms_opted_out=False)
                session.add(member)
                await session.flush()
            await join_pool(session, member, code, welcome_by_sms=False)
    except (JoinCodeNotFound, MembershipSuspended):
        return end("ussd.code_unknown", language)
    return end("ussd.joined", language)


async def _language(
    session: AsyncSession, worker: Worker, rest: list[str], language: str
) -> Screen:
    page = 0
    if rest and rest[0] == "0":
        page, rest = 1, rest[1:]
    if not rest:
        return ask("ussd.language", language, languages=LANGUAGE_PAGES[page])
    number = parse_choice(rest[0])
    if number is None or not 1 <= number <= len(SUPPORTED_LANGUAGES):
        return end("ussd.invalid", language)
    tag = SUPPORTED_LANGUAGES[number - 1]
    await update_profile(session, worker, language=tag, confirm_by_sms=False)
    return end("ussd.language_changed", tag)


async def _income(
    session: AsyncSession,
    worker: Worker,
    pools: Sequence[Pool],
    pool: Pool,
    rest: list[str],
    language: str,
    now: datetime,
) -> Screen:
    """Amount, platform, month (1 this month, 2 the one before), then 1 to save, 2 not."""
    current = Period.current(pool.timezone, now)
    if not rest:
        return ask("ussd.ask_amount", language)
    number = parse_number(rest[0], language)
    minor = amount_minor(number, pool.currency) if number is not None else None
    if minor is None:
        return end("ussd.invalid", language)
    amount = Money(minor, pool.currency)
    if len(rest) < 2:
        return ask("ussd.ask_platform", language)
    platform = platform_of(rest[1])
    if platform is None:
        return end("ussd.invalid", language)
    if len(rest) < 3:
        return ask("ussd.ask_month", language, current=current, previous=current.shift(-1))
    month = parse_choice(rest[2])
    if month not in (1, 2):
        return end("ussd.invalid", language)
    period = current if month == 1 else current.shift(-1)
    shown: dict[str, Value] = {
        "platform": PLATFORM_NAMES[platform],
        "amount": amount,
        "period": period,
    }
    if len(rest) < 4:
        return ask("ussd.confirm", language, **shown)
    if parse_choice(rest[3]) != 1:
        return end("ussd.not_saved", language)
    try:
        await record_manual(
            session,
            worker.id,
            platform=platform,
            period=period,
            amount_minor=minor,
            currency=pool.currency,
            pool_currencies=[p.currency for p in pools],
            source="sms",
        )
    except ValidationFailed:
        return end("ussd.not_saved", language)
    return end("ussd.saved", language, **shown)
