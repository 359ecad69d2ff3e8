"""Every page checks who is looking and whether they may see what it names.

One table over every page route: a page added without a row fails the test. Pages refuse
as pages do: someone not signed in is sent to the sign-in page (303), a worker on an
administrator's page (or the reverse) gets 403, and another pool's page, member or run is a
404, so a stranger cannot learn that it exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Litestar
from sqlalchemy import select

from pools import service
from pools.admins import create_admin
from pools.models import Membership, Pool, Worker
from runs.models import Decision, MonthlyRun
from tests.web.conftest import Site, seed_and_run

OTHER_ADMIN = "other@co.example"
STRANGER = "+14155550188"


@dataclass(frozen=True)
class Row:
    caller: str
    """anonymous, worker (a demo member), admin (the demo operator), stranger admin."""
    status: int
    target: str = "own"
    """own: the demo pool's ids; unknown: ids of nothing; crossed: the demo pool with
    another pool's member, a run of nothing, and another worker's decision."""


WORKER_PAGE = [Row("anonymous", 303), Row("admin", 403), Row("worker", 200)]
ADMIN_PAGE = [Row("anonymous", 303), Row("worker", 403), Row("admin", 200)]
POOL_PAGE = [*ADMIN_PAGE, Row("stranger", 404), Row("admin", 404, "unknown")]
IN_POOL_PAGE = [*POOL_PAGE, Row("admin", 404, "crossed")]
PUBLIC = [Row("anonymous", 200), Row("worker", 200), Row("admin", 200)]

ROUTES: dict[tuple[str, str], list[Row]] = {
    ("GET", "/"): [Row("anonymous", 200), Row("worker", 302), Row("admin", 302)],
    ("GET", "/language"): [Row("anonymous", 302), Row("worker", 302)],
    ("GET", "/signin"): PUBLIC,
    ("GET", "/signin/code"): [Row("anonymous", 302)],
    ("GET", "/admin/signin"): PUBLIC,
    ("GET", "/join"): WORKER_PAGE,
    ("GET", "/me"): WORKER_PAGE,
    ("GET", "/me/income"): WORKER_PAGE,
    ("GET", "/me/decisions"): WORKER_PAGE,
    ("GET", "/me/data"): WORKER_PAGE,
    ("GET", "/me/data.json"): WORKER_PAGE,
    ("GET", "/me/data.csv"): WORKER_PAGE,
    ("GET", "/admin"): ADMIN_PAGE,
    ("GET", "/admin/pools/{pool_id:uuid}"): POOL_PAGE,
    ("GET", "/admin/pools/{pool_id:uuid}/members"): POOL_PAGE,
    ("GET", "/admin/pools/{pool_id:uuid}/members/{membership_id:uuid}"): IN_POOL_PAGE,
    ("GET", "/admin/pools/{pool_id:uuid}/runs/{run_id:uuid}"): IN_POOL_PAGE,
    ("GET", "/admin/pools/{pool_id:uuid}/appeals"): POOL_PAGE,
    ("GET", "/admin/pools/{pool_id:uuid}/proposals"): POOL_PAGE,
    ("GET", "/me/votes"): WORKER_PAGE,
    ("GET", "/me/benefits"): WORKER_PAGE,
    ("GET", "/admin/pools/{pool_id:uuid}/benefit-claims"): POOL_PAGE,
    ("POST", "/me/benefits"): [
        Row("anonymous", 303),
        Row("admin", 403),
        Row("worker", 422),  # no action named: the page is shown again with the refusal
    ],
    ("POST", "/admin/pools/{pool_id:uuid}/benefit-claims/{claim_id:uuid}"): [
        Row("anonymous", 303),
        Row("worker", 403),
        Row("stranger", 404),
        Row("admin", 404, "unknown"),
        Row("admin", 404),  # a claim of nobody's
    ],
    ("POST", "/me/votes/{proposal_id:uuid}"): [
        Row("anonymous", 303),
        Row("admin", 403),
        Row("worker", 404, "unknown"),
    ],
    ("POST", "/admin/pools/{pool_id:uuid}/proposals"): [
        Row("anonymous", 303),
        Row("worker", 403),
        Row("stranger", 404),
        Row("admin", 404, "unknown"),
        Row("admin", 422),  # no rule named: the form is shown again with the refusal
    ],
    ("POST", "/admin/pools/{pool_id:uuid}/appeals/{appeal_id:uuid}"): [
        Row("anonymous", 303),
        Row("worker", 403),
        Row("stranger", 404),
        Row("admin", 404, "unknown"),
        Row("admin", 404, "crossed"),
    ],
    # Forms: the CSRF check is in test_security; here, who may post at all.
    ("POST", "/signin"): [],
    ("POST", "/signin/code"): [],
    ("POST", "/admin/signin"): [],
    ("POST", "/signout"): [],
    ("POST", "/join"): [Row("anonymous", 303), Row("admin", 403)],
    ("POST", "/me/income"): [Row("anonymous", 303), Row("admin", 403)],
    ("POST", "/me/income/csv"): [Row("anonymous", 303), Row("admin", 403)],
    ("POST", "/me/data"): [Row("anonymous", 303), Row("admin", 403)],
    ("POST", "/me/decisions/{decision_id:uuid}/appeal"): [
        Row("anonymous", 303),
        Row("admin", 403),
        Row("worker", 404, "crossed"),
        Row("worker", 404, "unknown"),
        Row("worker", 200),
    ],
    ("POST", "/admin/pools/{pool_id:uuid}/runs"): [
        Row("anonymous", 303),
        Row("worker", 403),
        Row("stranger", 404),
        Row("admin", 404, "unknown"),
    ],
}


def page_routes(app: Litestar) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if route.path.startswith(("/v1/", "/schema", "/static")) or route.path in (
            "/health",
            "/ready",
        ):
            continue
        for handler in getattr(route, "route_handlers", []):
            found.update(
                (method, route.path) for method in handler.http_methods if method != "OPTIONS"
            )
    return found


async def test_every_page_route_has_a_row(site: Site) -> None:
    served = page_routes(site.client.app)
    assert not sorted(served - ROUTES.keys()), f"pages without a row: {served - ROUTES.keys()}"
    assert not sorted(ROUTES.keys() - served), f"rows for no page: {ROUTES.keys() - served}"


async def test_every_page_checks_the_caller_and_what_it_names(site: Site) -> None:
    demo = await seed_and_run(site, n_workers=6)
    async with site.db() as session:
        own_pool = await session.get(Pool, uuid.UUID(demo.pool_id))
        assert own_pool is not None
        other_admin = await create_admin(session, OTHER_ADMIN, "y" * 16)
        other = await service.create_pool(session, other_admin.id, name="Other", currency="USD")
        session.add(Worker(phone_e164=STRANGER, timezone="UTC", sms_opted_out=False))
        await session.flush()
        stranger = await session.scalar(select(Worker).where(Worker.phone_e164 == STRANGER))
        other_member, _, _ = await service.join_pool(session, stranger, other.join_code)
        own_member = await session.scalar(
            select(Membership).where(Membership.pool_id == own_pool.id)
        )
        run = await session.scalar(select(MonthlyRun).where(MonthlyRun.pool_id == own_pool.id))
        worker = await session.scalar(select(Worker).where(Worker.phone_e164 == demo.phones[0]))
        assert worker is not None
        mine = await session.scalar(select(Decision).where(Decision.worker_id == worker.id))
        theirs = await session.scalar(select(Decision).where(Decision.worker_id != worker.id))
        assert mine is not None and theirs is not None
        await session.commit()
        assert own_member is not None and run is not None
        ids = {
            "own": {
                "pool_id": own_pool.id,
                "membership_id": own_member.id,
                "run_id": run.id,
                "decision_id": mine.id,
                "appeal_id": uuid.uuid4(),
                "proposal_id": uuid.uuid4(),
                "claim_id": uuid.uuid4(),
            },
            "unknown": {
                "pool_id": uuid.uuid4(),
                "membership_id": uuid.uuid4(),
                "run_id": uuid.uuid4(),
                "decision_id": uuid.uuid4(),
                "appeal_id": uuid.uuid4(),
                "proposal_id": uuid.uuid4(),
                "claim_id": uuid.uuid4(),
            },
            "crossed": {
                "pool_id": own_pool.id,
                "membership_id": other_member.id,
                "run_id": uuid.uuid4(),
                "decision_id": theirs.id,
                "appeal_id": uuid.uuid4(),
                "proposal_id": uuid.uuid4(),
                "claim_id": uuid.uuid4(),
            },
        }

    async def become(caller: str) -> None:
        site.client.cookies.clear()
        if caller == "worker":
            await site.sign_in_worker(demo.phones[0])
        elif caller == "admin":
            await site.sign_in_admin(demo.admin_email, create=False, password=demo.admin_password)
        elif caller == "stranger":
            await site.sign_in_admin(OTHER_ADMIN, create=False, password="y" * 16)

    failures: list[str] = []
    by_caller: dict[str, list[tuple[str, str, Row]]] = {}
    for (method, path), rows in ROUTES.items():
        for row in rows:
            by_caller.setdefault(row.caller, []).append((method, path, row))
    for caller, cases in by_caller.items():
        await become(caller)
        for method, path, row in cases:
            url = path
            for name, value in ids[row.target].items():
                url = url.replace(f"{{{name}:uuid}}", str(value))
            if method == "GET":
                response = await site.client.get(url)
            else:
                token = site.client.cookies.get("mutua_csrf") or await site.csrf("/signin")
                response = await site.client.post(url, data={"_csrf_token": token})
            if response.status_code != row.status:
                failures.append(
                    f"{method} {url} by {caller}: {response.status_code}, not {row.status}"
                )
            elif row.status == 303 and caller == "anonymous":
                assert response.headers["location"] in ("/signin", "/admin/signin")
    assert not failures, "\n".join(failures)
