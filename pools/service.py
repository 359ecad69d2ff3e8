"""Business rules for pools and memberships.

Functions here write through the caller's session and do not commit: the caller owns the
transaction, so a pool, its accounts and the messages about it commit together or not at
all (the API commits before it answers; the demo seed commits once at the end).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.errors import Forbidden, NotFound
from core.ids import new_join_code
from core.money import normalize_currency
from i18n import choose_language, normalize_language
from notifications.outbox import enqueue_sms
from pools import repository
from pools.errors import InvalidName, InvalidTimezone, JoinCodeNotFound, MembershipSuspended
from pools.ledger import open_member_accounts, open_pool_accounts
from pools.models import POOL_NAME_MAX, Administrator, Membership, Pool, PoolAdministrator, Worker
from pools.rules import InvalidRules, merge_rules
from pools.viewer import Viewer

JOIN_CODE_ATTEMPTS = 5


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidTimezone(f"{name!r} is not a known time zone, like America/New_York") from None
    return name


def check_name(name: str, max_length: int, field: str = "name") -> str:
    cleaned = " ".join(name.split()) if isinstance(name, str) else ""
    if not cleaned or len(cleaned) > max_length or not cleaned.isprintable():
        raise InvalidName(f"{field} must be 1 to {max_length} printable characters", field=field)
    return cleaned


async def create_pool(
    session: AsyncSession,
    admin_id: uuid.UUID,
    *,
    name: str,
    currency: str,
    rules: dict[str, int] | None = None,
    timezone: str = "UTC",
    default_language: str = "en",
    income_cutoff_day: int = 5,
) -> Pool:
    """A new pool administered by its creator, with its reserve account open."""
    code = normalize_currency(currency)
    if isinstance(income_cutoff_day, bool) or not 1 <= income_cutoff_day <= 28:
        raise InvalidRules(
            "income_cutoff_day must be a day from 1 to 28", field="income_cutoff_day"
        )
    stored = merge_rules(code, rules or {})
    values = {
        "name": check_name(name, POOL_NAME_MAX),
        "currency": code,
        "timezone": check_timezone(timezone),
        "default_language": normalize_language(default_language),
        "income_cutoff_day": income_cutoff_day,
        **stored.as_columns(),
    }
    for _ in range(JOIN_CODE_ATTEMPTS):
        try:
            async with session.begin_nested():
                pool = Pool(join_code=new_join_code(), **values)
                session.add(pool)
                await session.flush()
            break
        except IntegrityError:  # a join code collision: draw another
            continue
    else:  # pragma: no cover - 30^8 codes make five collisions in a row practically impossible
        raise RuntimeError("could not draw a unique join code")
    session.add(PoolAdministrator(pool_id=pool.id, administrator_id=admin_id))
    await open_pool_accounts(session, pool)
    await session.flush()
    return pool


async def pool_for_viewer(session: AsyncSession, viewer: Viewer, pool_id: uuid.UUID) -> Pool:
    """The pool if the caller administers it or is (or was) a member; 404 otherwise, so a
    stranger cannot even learn that the pool exists."""
    pool = await repository.pool_by_id(session, pool_id)
    if pool is None:
        raise NotFound("no such pool")
    if viewer.is_operator:
        return pool
    if viewer.admin_id is not None and await repository.is_pool_admin(
        session, pool_id, viewer.admin_id
    ):
        return pool
    if viewer.worker_id is not None and await repository.membership(
        session, pool_id, viewer.worker_id
    ):
        return pool
    raise NotFound("no such pool")


async def administered_pool(session: AsyncSession, viewer: Viewer, pool_id: uuid.UUID) -> Pool:
    """The pool if the caller administers it: workers get 403, other administrators 404."""
    if viewer.admin_id is None:
        raise Forbidden("administrators only")
    return await pool_for_viewer(session, viewer, pool_id)


async def join_pool(
    session: AsyncSession,
    worker: Worker,
    code: str,
    *,
    today: date | None = None,
    welcome_by_sms: bool = True,
) -> tuple[Membership, Pool, bool]:
    """Join by code; joining again is harmless, and a member who left may come back.

    `welcome_by_sms=False` is for a join that came by SMS or USSD: the reply on that
    channel is the welcome, and a second text saying the same would cost for nothing.

    Joining twice at once ends with one membership and both callers answered with it: the
    unique (pool, worker) constraint decides which insert wins, the loser reads the winner's
    row, and a rejoin locks the row it reactivates.
    """
    cleaned = "".join(code.split()).upper() if isinstance(code, str) else ""
    pool = await repository.pool_by_join_code(session, cleaned) if cleaned else None
    if pool is None:
        raise JoinCodeNotFound()
    joined_on = today or utcnow().astimezone(ZoneInfo(pool.timezone)).date()
    existing = await repository.membership(session, pool.id, worker.id, for_update=True)
    if existing is None:
        member = Membership(pool_id=pool.id, worker_id=worker.id, joined_on=joined_on)
        try:
            async with session.begin_nested():
                session.add(member)
        except IntegrityError:
            # Joined twice at once (a double tap, the web and an SMS): the other request
            # made the membership first, and this one answers with it.
            existing = await repository.membership(session, pool.id, worker.id, for_update=True)
            if existing is None:  # not that race: some other constraint failed
                raise
    if existing is not None and existing.status == "active":
        return existing, pool, False
    if existing is not None and existing.status == "suspended":
        raise MembershipSuspended()
    if existing is not None:
        existing.status, existing.joined_on, existing.left_on = "active", joined_on, None
        member = existing
    await session.flush()
    await open_member_accounts(session, pool, worker.id)
    if not welcome_by_sms:
        return member, pool, True
    await enqueue_sms(
        session,
        to=worker.phone_e164,
        template="pool.welcome",
        language=choose_language(
            chosen=worker.language,
            accept_language=None,
            phone_e164=worker.phone_e164,
            pool_default=pool.default_language,
        ),
        values={"pool_name": pool.name},
        dedup_key=f"welcome:{member.id}:{joined_on.isoformat()}",
    )
    return member, pool, True


async def memberships(
    session: AsyncSession, worker_id: uuid.UUID
) -> Sequence[tuple[Membership, Pool]]:
    return await repository.memberships_of_worker(session, worker_id)


async def pool_members(
    session: AsyncSession, viewer: Viewer, pool_id: uuid.UUID
) -> tuple[Pool, Sequence[tuple[Membership, Worker]]]:
    pool = await administered_pool(session, viewer, pool_id)
    return pool, await repository.members_of_pool(session, pool.id)


async def administered_pools(session: AsyncSession, admin: Administrator) -> Sequence[Pool]:
    """The pools an administrator runs; an operator runs the service, so every pool."""
    if admin.role == "operator":
        return await repository.all_pools(session)
    return await repository.pools_of_admin(session, admin.id)


async def memberships_page(
    session: AsyncSession, worker_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> Sequence[tuple[Membership, Pool]]:
    return await repository.memberships_page(session, worker_id, after, limit)


async def pool_members_page(
    session: AsyncSession,
    viewer: Viewer,
    pool_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> tuple[Pool, Sequence[tuple[Membership, Worker]]]:
    pool = await administered_pool(session, viewer, pool_id)
    return pool, await repository.members_page(session, pool.id, after, limit)


async def administered_pools_page(
    session: AsyncSession, admin: Administrator, *, after: uuid.UUID | None, limit: int
) -> Sequence[Pool]:
    """The pools an administrator runs; an operator runs the service, so every pool."""
    admin_id = None if admin.role == "operator" else admin.id
    return await repository.pools_page(session, admin_id, after, limit)


async def pool_members_search(
    session: AsyncSession,
    viewer: Viewer,
    pool_id: uuid.UUID,
    text: str,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> tuple[Pool, Sequence[tuple[Membership, Worker]]]:
    """The pool's members, or those whose name or phone holds `text`, oldest first."""
    pool = await administered_pool(session, viewer, pool_id)
    if not text.strip():
        return pool, await repository.members_page(session, pool.id, after, limit)
    return pool, await repository.members_matching(session, pool.id, text.strip(), after, limit)


async def pool_member(
    session: AsyncSession, viewer: Viewer, pool_id: uuid.UUID, membership_id: uuid.UUID
) -> tuple[Pool, Membership, Worker]:
    """One member of a pool the viewer administers; 404 for any other membership."""
    pool = await administered_pool(session, viewer, pool_id)
    found = await repository.member_of_pool(session, pool.id, membership_id)
    if found is None:
        raise NotFound(f"membership {membership_id} is not in this pool")
    return pool, found[0], found[1]
