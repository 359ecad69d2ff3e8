"""A pool's members for its administrators: a searchable, paged table and a member's page.

Searching and paging work as plain links and a GET form; with JavaScript, HTMX swaps in
just the table as the administrator types or pages. A membership of another pool, or of a
pool the administrator does not run, is a 404 (`pools.service.pool_member`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import FromPath, Parameter
from litestar.response import Template

from core.clock import utcnow
from core.errors import ValidationFailed
from core.periods import Period
from income import service as income
from pools import ledger_queries, service
from runs import repository as runs_repository
from runs.service import decision_out
from web.admin_pages import month_label, viewer_of
from web.charts import bar_chart
from web.session import DbSession, current_admin
from web.view import Formats, Texts, page, page_language

PAGE_SIZE = 25
MONTHS_CHARTED = 12


async def income_by_month(
    db_session: Any, worker_id: uuid.UUID, currency: str, first: Period, last: Period
) -> dict[str, int]:
    summary = await income.list_income(db_session, worker_id, from_period=first, to_period=last)
    return {m.period: m.amount_minor for m in summary.by_month if m.currency == currency}


@get("/admin/pools/{pool_id:uuid}/members")
async def members(
    request: Request[Any, Any, Any],
    pool_id: FromPath[uuid.UUID],
    db_session: DbSession,
    q: Annotated[str, Parameter(max_length=100)] = "",
    after: Annotated[str | None, Parameter(max_length=40)] = None,
) -> Template:
    admin = await current_admin(request, db_session)
    try:
        after_id = uuid.UUID(after) if after else None
    except ValueError:
        raise ValidationFailed("after is not a member id", field="after") from None
    pool, rows = await service.pool_members_search(
        db_session, viewer_of(admin), pool_id, q, after=after_id, limit=PAGE_SIZE + 1
    )
    shown = list(rows[:PAGE_SIZE])
    last = Period.current(pool.timezone).shift(-1)
    accounts = await ledger_queries.member_accounts_of_pool(
        db_session, pool.id, [worker.id for _, worker in shown]
    )
    table = []
    for member, worker in shown:
        recent = await income_by_month(db_session, worker.id, pool.currency, last.shift(-2), last)
        arrears = accounts.get(worker.id, {}).get("member_arrears")
        table.append(
            {
                "member": member,
                "worker": worker,
                "income_3": sum(recent.values()),
                "owed": arrears.balance_minor if arrears else 0,
            }
        )
    return page(
        request,
        "admin/members.html",
        pool=pool,
        rows=table,
        q=q,
        next_after=str(shown[-1][0].id) if len(rows) > PAGE_SIZE else None,
    )


@get("/admin/pools/{pool_id:uuid}/members/{membership_id:uuid}")
async def member(
    request: Request[Any, Any, Any],
    pool_id: FromPath[uuid.UUID],
    membership_id: FromPath[uuid.UUID],
    db_session: DbSession,
) -> Template:
    admin = await current_admin(request, db_session)
    pool, membership, worker = await service.pool_member(
        db_session, viewer_of(admin), pool_id, membership_id
    )
    language = page_language(request)
    formats = Formats(language)
    last = Period.of(utcnow().date())
    months = [last.shift(k - MONTHS_CHARTED + 1) for k in range(MONTHS_CHARTED)]
    by_month = await income_by_month(db_session, worker.id, pool.currency, months[0], last)
    values = [by_month.get(str(m), 0) for m in months]
    chart = bar_chart(
        Texts(language)("member.income"),
        [month_label(formats, str(m)) for m in months],
        [("bar-in", values)],
        lambda minor: formats.money(minor, pool.currency),
    )
    decisions = await runs_repository.decisions_of(db_session, worker.id, pool_id=pool.id)
    return page(
        request,
        "admin/member.html",
        pool=pool,
        membership=membership,
        worker=worker,
        chart=chart,
        months=[(str(m), v) for m, v in zip(months, values, strict=True)],
        decisions=[decision_out(d, language) for d in decisions],
    )


MEMBER_HANDLERS = [members, member]
