"""Every route checks who is calling and whether they may see what they name.

One table over every route of the app: a route added without a row here fails the test, so
nobody can ship a route whose ownership and role checks were never thought about.

The scenario: administrator A runs pool PA, administrator B runs pool PB; worker W1 is a
member of PA, worker W2 of PB, and each has some income of their own. An operator (who runs
the service) may see every pool.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from litestar import Litestar

from core.ids import new_id
from core.periods import Period
from pools import repository
from pools.ledger import TransferRequest, open_member_accounts, open_pool_accounts, post_transfers
from tests.api.conftest import ADMIN_PASSWORD, Api, assert_problem, documented_problems, join_pool

W1_PHONE = "+14155550101"
W2_PHONE = "+14155550102"
SIGN_IN_PHONE = "+14155550103"
ADMIN_A = "a@riders.example.org"
ADMIN_B = "b@couriers.example.org"

SLUG_BY_STATUS = {401: "unauthorized", 403: "forbidden", 404: "not-found"}
"""Refusals by the ownership and role checks: the same problem types on every route."""


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    """Callers by name: anonymous, W1, W2, admin A, admin B, operator."""
    pools: dict[str, dict[str, Any]]
    """PA and PB as their administrators created them."""
    worker_ids: dict[str, str]

    def pool_id(self, target: str) -> str:
        return str(uuid.UUID(int=0)) if target == "no such pool" else self.pools[target]["id"]


Body = Any
Check = Callable[[World, Body], None]
Request = tuple[str, dict[str, Any]]
"""A URL and the rest of the request (json, content, extra headers) for the client."""


@dataclass(frozen=True)
class Row:
    caller: str
    target: str
    status: int
    check: Check | None = None
    """For a 2xx: what the caller must (and must not) see in the answer."""
    slug: str | None = None
    """For a refusal that is not an ownership check (`no-plan-yet`): its own problem type."""


@dataclass(frozen=True)
class RouteCase:
    build: Callable[[Api, World, str], Awaitable[Request]]
    rows: list[Row] = field(default_factory=list)


def fixed(url: str, **request: Any) -> Callable[[Api, World, str], Awaitable[Request]]:
    async def build(api: Api, world: World, target: str) -> Request:
        return url, request

    return build


def with_pool(template: str, **request: Any) -> Callable[[Api, World, str], Awaitable[Request]]:
    async def build(api: Api, world: World, target: str) -> Request:
        return template.format(pool_id=world.pool_id(target)), request

    return build


async def fresh_code(api: Api, world: World, target: str) -> Request:
    response = await api.client.post("/v1/auth/otp", json={"phone": SIGN_IN_PHONE})
    assert response.status_code == 202, response.text
    code = await api.last_code(SIGN_IN_PHONE)
    return "/v1/auth/otp/verify", {"json": {"phone": SIGN_IN_PHONE, "code": code}}


LAST_MONTH = str(Period.current("UTC").shift(-1))
"""A month that is over in the scenario's pools (they keep the default zone, UTC)."""


def run_body(template: str) -> Callable[[Api, World, str], Awaitable[Request]]:
    async def build(api: Api, world: World, target: str) -> Request:
        return template.format(pool_id=world.pool_id(target)), {"json": {"period": LAST_MONTH}}

    return build


def pa_run(template: str) -> Callable[[Api, World, str], Awaitable[Request]]:
    """A URL naming PA's run, under the pool the row targets."""

    async def build(api: Api, world: World, target: str) -> Request:
        response = await api.client.post(
            f"/v1/admin/pools/{world.pools['PA']['id']}/runs",
            json={"period": LAST_MONTH},
            headers=world.headers["admin A"],
        )
        assert response.status_code == 202, response.text
        return template.format(pool_id=world.pool_id(target), run_id=response.json()["id"]), {}

    return build


def with_entry(template: str, **request: Any) -> Callable[[Api, World, str], Awaitable[Request]]:
    """A fresh monthly entry of the target worker ("W1", "W2"), or an id nobody has."""

    async def build(api: Api, world: World, target: str) -> Request:
        if target == "no such record":
            return template.format(record_id=uuid.UUID(int=0)), request
        income = W1_INCOME if target == "W1" else W2_INCOME
        response = await api.client.post(
            "/v1/me/income", json={**income, "month": "2026-06"}, headers=world.headers[target]
        )
        assert response.status_code in (200, 201), response.text
        return template.format(record_id=response.json()["id"]), request

    return build


def is_run_of(name: str) -> Check:
    def check(world: World, body: Body) -> None:
        assert body["pool_id"] == world.pools[name]["id"] and body["period"] == LAST_MONTH, body

    return check


def runs_of(name: str) -> Check:
    def check(world: World, body: Body) -> None:
        assert {run["pool_id"] for run in body["items"]} <= {world.pools[name]["id"]}, body

    return check


def health_of(name: str) -> Check:
    def check(world: World, body: Body) -> None:
        assert body["pool_id"] == world.pools[name]["id"], body

    return check


def no_decisions(world: World, body: Body) -> None:
    assert body == {"items": [], "next_cursor": None}, body


async def membership_of(api: Api, world: World, target: str) -> Request:
    """The target worker's ("W1", "W2") membership, to leave."""
    response = await api.client.get("/v1/me/memberships", headers=world.headers[target])
    [membership] = response.json()["items"]
    return f"/v1/me/memberships/{membership['id']}/leave", {}


async def join_with_code(api: Api, world: World, target: str) -> Request:
    return "/v1/pools/join", {"json": {"code": world.pools[target]["code"]}}


def is_w1(world: World, body: Body) -> None:
    assert body["id"] == world.worker_ids["W1"] and body["phone"] == W1_PHONE, body


def only_pa_memberships(world: World, body: Body) -> None:
    assert [m["pool_id"] for m in body["items"]] == [world.pools["PA"]["id"]], body


def only_pa_accounts(world: World, body: Body) -> None:
    assert body["items"], "W1 is a member of PA and has accounts there"
    assert {a["pool_id"] for a in body["items"]} == {world.pools["PA"]["id"]}, body


def only_w1_transfers(world: World, body: Body) -> None:
    amounts = [transfer["amount_minor"] for transfer in body["items"]]
    assert amounts == [W1_SAVED], body


def no_income_of_w2(world: World, body: Body) -> None:
    amounts = {record["amount_minor"] for record in body["items"]}
    assert W1_INCOME["amount_minor"] in amounts, body
    assert W2_INCOME["amount_minor"] not in amounts, body


def no_months_of_w2(world: World, body: Body) -> None:
    totals = {(month["month"], month["total_minor"]) for month in body["items"]}
    assert (W1_INCOME["month"], W1_INCOME["amount_minor"]) in totals, body
    assert all(total != W2_INCOME["amount_minor"] for _, total in totals), body


def own_data_only(world: World, body: Body) -> None:
    assert body["worker"]["phone"] == W1_PHONE, body
    assert [m["pool_id"] for m in body["memberships"]] == [world.pools["PA"]["id"]], body
    assert W2_INCOME["amount_minor"] not in {r["amount_minor"] for r in body["income"]}, body


def pa_not_pb(world: World, body: Body) -> None:
    ids = {pool["id"] for pool in body["items"]}
    assert world.pools["PA"]["id"] in ids and world.pools["PB"]["id"] not in ids, body


def is_pool(name: str) -> Check:
    def check(world: World, body: Body) -> None:
        assert body["id"] == world.pools[name]["id"], body

    return check


def members_are(*workers: str) -> Check:
    def check(world: World, body: Body) -> None:
        assert [m["worker_id"] for m in body["items"]] == [world.worker_ids[w] for w in workers]

    return check


W1_INCOME = {"platform": "uber", "month": "2026-08", "amount_minor": 111_11, "currency": "USD"}
W2_INCOME = {"platform": "lyft", "month": "2026-08", "amount_minor": 222_22, "currency": "MXN"}
STATEMENT = "date,platform,amount\n2026-09-02,doordash,12.50\n"
W1_SAVED = 5_00
W2_SAVED = 7_00

BENEFIT_RULES = {
    "tiers": [
        {"benefit_minor": 60000, "contribution_minor": 1500},
        {"benefit_minor": 120000, "contribution_minor": 3000},
    ],
    "qualifying_months": 0,
}


def benefits_of(name: str) -> Check:
    def check(world: World, body: Body) -> None:
        items = body if isinstance(body, list) else [body]
        assert items and {b["pool_id"] for b in items} == {world.pools[name]["id"]}, body

    return check


def claim_in(target: str) -> Callable[[Api, World, str], Awaitable[Request]]:
    async def build(api: Api, world: World, row_target: str) -> Request:
        return "/v1/me/benefit-claims", {
            "json": {"kind": "sick", "pool_id": world.pool_id(row_target)}
        }

    return build


async def _claim_id(api: Api, world: World, owner: str) -> str:
    response = await api.client.get("/v1/me/benefit-claims", headers=world.headers[owner])
    assert response.status_code == 200, response.text
    return str(response.json()[0]["id"])


def own_claim(template: str, **request: Any) -> Callable[[Api, World, str], Awaitable[Request]]:
    """A URL naming the target worker's ("W1", "W2") newest claim."""

    async def build(api: Api, world: World, target: str) -> Request:
        owner = target if target in ("W1", "W2") else "W1"
        return template.format(claim_id=await _claim_id(api, world, owner)), request

    return build


def pa_claim(template: str, **request: Any) -> Callable[[Api, World, str], Awaitable[Request]]:
    """A URL naming W1's claim in PA, under the pool the row targets."""

    async def build(api: Api, world: World, target: str) -> Request:
        claim_id = await _claim_id(api, world, "W1")
        return template.format(pool_id=world.pool_id(target), claim_id=claim_id), request

    return build


def claims_of(name: str) -> Check:
    def check(world: World, body: Body) -> None:
        assert body and {c["pool_id"] for c in body} == {world.pools[name]["id"]}, body

    return check


TOMORROW = str(date.today() + timedelta(days=1))


ANONYMOUS_401 = Row("anonymous", "-", 401)
ADMIN_403 = Row("admin A", "-", 403)
WORKER_403 = Row("W1", "-", 403)

ROUTES: dict[tuple[str, str], RouteCase] = {
    # Sign-in is open to anyone: that is how a caller stops being anonymous.
    ("POST", "/v1/auth/otp"): RouteCase(
        fixed("/v1/auth/otp", json={"phone": SIGN_IN_PHONE}), [Row("anonymous", "-", 202)]
    ),
    ("POST", "/v1/auth/otp/verify"): RouteCase(fresh_code, [Row("anonymous", "-", 200)]),
    ("POST", "/v1/auth/admin/login"): RouteCase(
        fixed("/v1/auth/admin/login", json={"email": ADMIN_A, "password": ADMIN_PASSWORD}),
        [Row("anonymous", "-", 200)],
    ),
    # A worker's own things: the caller is the target, so there is no one else's to name.
    ("GET", "/v1/me"): RouteCase(
        fixed("/v1/me"), [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, is_w1)]
    ),
    ("PATCH", "/v1/me"): RouteCase(
        fixed("/v1/me", json={"name": "Ana"}),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, is_w1)],
    ),
    ("GET", "/v1/me/memberships"): RouteCase(
        fixed("/v1/me/memberships"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, only_pa_memberships)],
    ),
    ("GET", "/v1/me/accounts"): RouteCase(
        fixed("/v1/me/accounts"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, only_pa_accounts)],
    ),
    ("GET", "/v1/me/ledger"): RouteCase(
        fixed("/v1/me/ledger"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, only_w1_transfers)],
    ),
    ("GET", "/v1/me/income"): RouteCase(
        fixed("/v1/me/income"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, no_income_of_w2)],
    ),
    ("GET", "/v1/me/income/months"): RouteCase(
        fixed("/v1/me/income/months"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, no_months_of_w2)],
    ),
    ("POST", "/v1/me/income"): RouteCase(
        fixed("/v1/me/income", json={**W1_INCOME, "month": "2026-07"}),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 201)],
    ),
    ("POST", "/v1/me/income/csv"): RouteCase(
        fixed("/v1/me/income/csv", content=STATEMENT, headers={"Content-Type": "text/csv"}),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 201)],
    ),
    ("POST", "/v1/pools/join"): RouteCase(
        # Any worker holding a pool's code may join it; W1 joining PA again changes nothing.
        join_with_code,
        [Row("anonymous", "PA", 401), Row("admin A", "PA", 403), Row("W1", "PA", 200)],
    ),
    # Administrators' routes.
    ("POST", "/v1/pools"): RouteCase(
        fixed("/v1/pools", json={"name": "Night Couriers", "currency": "USD"}),
        [ANONYMOUS_401, WORKER_403, Row("admin A", "-", 201)],
    ),
    ("GET", "/v1/admin/pools"): RouteCase(
        fixed("/v1/admin/pools"),
        [ANONYMOUS_401, WORKER_403, Row("admin A", "-", 200, pa_not_pb)],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/members"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/members"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("W2", "PB", 403),
            Row("admin A", "PB", 404),
            Row("admin B", "PA", 404),
            Row("admin A", "no such pool", 404),
            Row("admin A", "PA", 200, members_are("W1")),
            Row("admin B", "PB", 200, members_are("W2")),
            Row("operator", "PB", 200, members_are("W2")),
        ],
    ),
    # The monthly run, for the pool's administrators (and operators).
    ("POST", "/v1/admin/pools/{pool_id:uuid}/runs"): RouteCase(
        run_body("/v1/admin/pools/{pool_id}/runs"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin B", "PA", 404),
            Row("admin A", "no such pool", 404),
            Row("admin A", "PA", 202, is_run_of("PA")),
            Row("operator", "PB", 202, is_run_of("PB")),
        ],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/runs"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/runs"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin B", "PA", 404),
            Row("admin A", "PA", 200, runs_of("PA")),
            Row("admin B", "PB", 200, runs_of("PB")),
        ],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/runs/{run_id:uuid}"): RouteCase(
        pa_run("/v1/admin/pools/{pool_id}/runs/{run_id}"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin B", "PA", 404),
            # B's own pool in the path does not open A's run.
            Row("admin B", "PB", 404, slug="run-not-found"),
            Row("admin A", "PA", 200, is_run_of("PA")),
            Row("operator", "PA", 200, is_run_of("PA")),
        ],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/health"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/health"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin B", "PA", 404),
            Row("admin A", "PA", 200, health_of("PA")),
            Row("operator", "PB", 200, health_of("PB")),
        ],
    ),
    # The worker's plan and decisions (no month has been run for them in this scenario: the
    # routes answer for the caller only; a real month is in tests/runs).
    ("GET", "/v1/me/plan"): RouteCase(
        fixed("/v1/me/plan"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 404, slug="no-plan-yet")],
    ),
    ("GET", "/v1/me/decisions"): RouteCase(
        fixed("/v1/me/decisions"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, no_decisions)],
    ),
    ("GET", "/v1/me/decisions/{decision_id:uuid}"): RouteCase(
        fixed(f"/v1/me/decisions/{uuid.UUID(int=7)}"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 404, slug="decision-not-found")],
    ),
    # The bank link: the worker's own links only (cross-worker 404s: tests/banks); this app
    # has no Plaid credentials, so what needs Plaid says the link is off.
    ("POST", "/v1/me/plaid/link-token"): RouteCase(
        fixed("/v1/me/plaid/link-token", json={}),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 503, slug="bank-link-off")],
    ),
    ("POST", "/v1/me/plaid/items"): RouteCase(
        fixed("/v1/me/plaid/items", json={"public_token": "public-sandbox-x"}),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 503, slug="bank-link-off")],
    ),
    ("GET", "/v1/me/plaid/items"): RouteCase(
        fixed("/v1/me/plaid/items"), [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200)]
    ),
    ("POST", "/v1/me/plaid/items/{item_id:uuid}/sync"): RouteCase(
        fixed(f"/v1/me/plaid/items/{uuid.UUID(int=8)}/sync"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 503, slug="bank-link-off")],
    ),
    ("DELETE", "/v1/me/plaid/items/{item_id:uuid}"): RouteCase(
        fixed(f"/v1/me/plaid/items/{uuid.UUID(int=8)}"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 503, slug="bank-link-off")],
    ),
    ("GET", "/v1/me/plaid/deposits"): RouteCase(
        fixed("/v1/me/plaid/deposits"), [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200)]
    ),
    ("POST", "/v1/me/plaid/deposits/{deposit_id:uuid}"): RouteCase(
        fixed(f"/v1/me/plaid/deposits/{uuid.UUID(int=9)}", json={"is_income": False}),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 404, slug="deposit-not-found")],
    ),
    ("POST", "/v1/webhooks/plaid"): RouteCase(
        fixed("/v1/webhooks/plaid", json={"webhook_type": "TRANSACTIONS"}),
        [Row("anonymous", "-", 401, slug="webhook-signature-invalid")],
    ),
    ("POST", "/v1/me/decisions/{decision_id:uuid}/appeal"): RouteCase(
        fixed(f"/v1/me/decisions/{uuid.UUID(int=7)}/appeal", json={"text": "wrong"}),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 404, slug="decision-not-found")],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/appeals"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/appeals"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin A", "PB", 404),
            Row("admin B", "PA", 404),
            Row("admin A", "no such pool", 404),
            Row("admin A", "PA", 200, no_decisions),
            Row("operator", "PB", 200, no_decisions),
        ],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/appeals/{appeal_id:uuid}"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/appeals/" + str(uuid.UUID(int=11))),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin A", "PB", 404),
            Row("admin B", "PA", 404),
            Row("admin A", "PA", 404, slug="appeal-not-found"),
            Row("operator", "PB", 404, slug="appeal-not-found"),
        ],
    ),
    ("POST", "/v1/admin/pools/{pool_id:uuid}/appeals/{appeal_id:uuid}/decision"): RouteCase(
        with_pool(
            "/v1/admin/pools/{pool_id}/appeals/" + str(uuid.UUID(int=11)) + "/decision",
            json={"outcome": "upheld", "reason": "rules_applied"},
        ),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin A", "PB", 404),
            Row("admin B", "PA", 404),
            Row("admin A", "PA", 404, slug="appeal-not-found"),
        ],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/audit"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/audit"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin A", "PB", 404),
            Row("admin B", "PA", 404),
            Row("admin A", "no such pool", 404),
            Row("admin A", "PA", 200),
            Row("operator", "PB", 200),
        ],
    ),
    ("POST", "/v1/admin/pools/{pool_id:uuid}/proposals"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/proposals", json={"changes": {"deductible_bp": 100}}),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin A", "PB", 404),
            Row("admin B", "PA", 404),
            Row("admin A", "no such pool", 404),
            Row("admin A", "PA", 201),
        ],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/proposals"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/proposals"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin A", "PB", 404),
            Row("admin B", "PA", 404),
            Row("admin A", "PA", 200),
            Row("operator", "PB", 200),
        ],
    ),
    ("GET", "/v1/me/proposals"): RouteCase(
        fixed("/v1/me/proposals"), [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200)]
    ),
    ("POST", "/v1/me/proposals/{proposal_id:uuid}/vote"): RouteCase(
        fixed(f"/v1/me/proposals/{uuid.UUID(int=12)}/vote", json={"choice": "yes"}),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 404, slug="proposal-not-found")],
    ),
    # Gateways: no token makes a webhook acceptable, only the gateway's signature.
    ("POST", "/v1/sms/twilio"): RouteCase(
        fixed("/v1/sms/twilio", data={"MessageSid": "SM1", "From": W1_PHONE, "Body": "BALANCE"}),
        [Row("anonymous", "-", 403), Row("W1", "-", 403), Row("operator", "-", 403)],
    ),
    ("POST", "/v1/sms/twilio/status"): RouteCase(
        fixed("/v1/sms/twilio/status", data={"MessageSid": "SM1", "MessageStatus": "failed"}),
        [Row("anonymous", "-", 403), Row("W1", "-", 403)],
    ),
    ("POST", "/v1/ussd/africastalking"): RouteCase(
        fixed("/v1/ussd/africastalking", data={"sessionId": "s", "phoneNumber": W1_PHONE}),
        [Row("anonymous", "-", 403), Row("W1", "-", 403), Row("operator", "-", 403)],
    ),
    ("POST", "/v1/sms/africastalking/inbound"): RouteCase(
        fixed("/v1/sms/africastalking/inbound", data={"id": "ATXid_1", "from": W1_PHONE}),
        [Row("anonymous", "-", 403), Row("W1", "-", 403)],
    ),
    ("POST", "/v1/sms/africastalking/delivery"): RouteCase(
        fixed("/v1/sms/africastalking/delivery", data={"id": "ATXid_1", "status": "Failed"}),
        [Row("anonymous", "-", 403), Row("W1", "-", 403)],
    ),
    # Both kinds of caller: members and administrators of the pool, nobody else.
    ("GET", "/v1/pools/{pool_id:uuid}"): RouteCase(
        with_pool("/v1/pools/{pool_id}"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PB", 404),
            Row("W2", "PA", 404),
            Row("admin A", "PB", 404),
            Row("admin B", "PA", 404),
            Row("W1", "no such pool", 404),
            Row("W1", "PA", 200, is_pool("PA")),
            Row("W2", "PB", 200, is_pool("PB")),
            Row("admin A", "PA", 200, is_pool("PA")),
            Row("operator", "PB", 200, is_pool("PB")),
        ],
    ),
    # Benefits: the pool's administrators set them and decide claims; members claim.
    ("POST", "/v1/admin/pools/{pool_id:uuid}/benefits/{kind:str}"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/benefits/sick", json=BENEFIT_RULES),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin B", "PA", 404),
            Row("admin A", "no such pool", 404),
            Row("admin A", "PA", 200, benefits_of("PA")),
            Row("operator", "PB", 200, benefits_of("PB")),
        ],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/benefits"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/benefits"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin B", "PA", 404),
            Row("admin A", "PA", 200, benefits_of("PA")),
            Row("admin B", "PB", 200, benefits_of("PB")),
        ],
    ),
    ("GET", "/v1/me/pools/{pool_id:uuid}/benefits"): RouteCase(
        with_pool("/v1/me/pools/{pool_id}/benefits"),
        [
            Row("anonymous", "PA", 401),
            Row("admin A", "PA", 403),
            Row("W1", "PB", 404),
            Row("W1", "no such pool", 404),
            Row("W1", "PA", 200, benefits_of("PA")),
            Row("W2", "PB", 200, benefits_of("PB")),
        ],
    ),
    ("POST", "/v1/me/pools/{pool_id:uuid}/benefits/{kind:str}/tier"): RouteCase(
        with_pool("/v1/me/pools/{pool_id}/benefits/sick/tier", json={"level": 2}),
        [
            Row("anonymous", "PA", 401),
            Row("admin A", "PA", 403),
            Row("W1", "PB", 404),
            Row("W1", "no such pool", 404),
            Row("W1", "PA", 200, benefits_of("PA")),
            Row("W2", "PB", 200, benefits_of("PB")),
        ],
    ),
    ("POST", "/v1/me/benefit-claims"): RouteCase(
        claim_in("-"),
        [
            Row("anonymous", "PA", 401),
            Row("admin A", "PA", 403),
            Row("W1", "PB", 404),
            Row("W1", "PA", 201, benefits_of("PA")),
            Row("W2", "PB", 201, benefits_of("PB")),
        ],
    ),
    ("GET", "/v1/me/benefit-claims"): RouteCase(
        fixed("/v1/me/benefit-claims"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "PA", 200, claims_of("PA"))],
    ),
    ("GET", "/v1/admin/pools/{pool_id:uuid}/benefit-claims"): RouteCase(
        with_pool("/v1/admin/pools/{pool_id}/benefit-claims"),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin B", "PA", 404),
            Row("admin A", "PA", 200, claims_of("PA")),
            Row("operator", "PB", 200, claims_of("PB")),
        ],
    ),
    ("POST", "/v1/admin/pools/{pool_id:uuid}/benefit-claims/{claim_id:uuid}/decision"): RouteCase(
        pa_claim(
            "/v1/admin/pools/{pool_id}/benefit-claims/{claim_id}/decision",
            json={"outcome": "approved"},
        ),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin B", "PA", 404),
            # B's own pool in the path does not open A's claim.
            Row("admin B", "PB", 404, slug="benefit-claim-not-found"),
            Row("admin A", "PA", 200),
        ],
    ),
    ("GET", "/v1/me/benefit-claims/to-answer"): RouteCase(
        fixed("/v1/me/benefit-claims/to-answer"),
        [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200)],
    ),
    ("POST", "/v1/me/benefit-claims/{claim_id:uuid}/approval"): RouteCase(
        own_claim("/v1/me/benefit-claims/{claim_id}/approval", json={"approve": True}),
        [
            Row("anonymous", "W1", 401),
            Row("admin A", "W1", 403),
            Row("W1", "W2", 404, slug="benefit-claim-not-found"),
            Row("W1", "W1", 404, slug="benefit-claim-not-found"),
        ],
    ),
    ("POST", "/v1/me/benefit-claims/{claim_id:uuid}/end"): RouteCase(
        own_claim("/v1/me/benefit-claims/{claim_id}/end", json={"back_on": TOMORROW}),
        [
            Row("anonymous", "W1", 401),
            Row("admin A", "W1", 403),
            Row("W1", "W2", 404, slug="benefit-claim-not-found"),
            Row("W1", "W1", 200, benefits_of("PA")),
        ],
    ),
    # Last, because they change what the rows above rely on.
    ("GET", "/v1/me/export"): RouteCase(
        fixed("/v1/me/export"), [ANONYMOUS_401, ADMIN_403, Row("W1", "self", 200, own_data_only)]
    ),
    ("PATCH", "/v1/me/income/{record_id:uuid}"): RouteCase(
        with_entry("/v1/me/income/{record_id}", json={"amount_minor": 1}),
        [
            Row("anonymous", "W1", 401),
            Row("admin A", "W1", 403),
            Row("W1", "W2", 404),
            Row("W1", "no such record", 404),
            Row("W1", "W1", 200),
        ],
    ),
    ("DELETE", "/v1/me/income/{record_id:uuid}"): RouteCase(
        with_entry("/v1/me/income/{record_id}"),
        [
            Row("anonymous", "W1", 401),
            Row("admin A", "W1", 403),
            Row("W1", "W2", 404),
            Row("W1", "no such record", 404),
            Row("W1", "W1", 204),
        ],
    ),
    ("POST", "/v1/me/memberships/{membership_id:uuid}/leave"): RouteCase(
        membership_of,
        [
            Row("anonymous", "W1", 401),
            Row("admin A", "W1", 403),
            Row("W1", "W2", 404),
            Row("W1", "W1", 200),
        ],
    ),
    ("POST", "/v1/admin/pools/{pool_id:uuid}/administrators"): RouteCase(
        # Only operators hand pools to administrators, not even the pool's own.
        with_pool("/v1/admin/pools/{pool_id}/administrators", json={"email": ADMIN_B}),
        [
            Row("anonymous", "PA", 401),
            Row("W1", "PA", 403),
            Row("admin A", "PA", 403),
            Row("operator", "no such pool", 404),
            Row("operator", "PA", 201),
        ],
    ),
}


def routes_of(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every route of the JSON API, but the OpenAPI pages, the health
    checks and the OPTIONS answers Litestar makes by itself. The web pages answer HTML and
    have a table of their own (tests/web/test_page_access.py)."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if not route.path.startswith("/v1/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if handler.fn.__module__.startswith("litestar."):
                continue
            found.update((method, route.path) for method in handler.http_methods)
    return found


async def save(api: Api, pool_id: str, worker_id: str, amount_minor: int) -> None:
    """Money into the worker's savings, as the monthly run will put it there."""
    async with api.db() as session:
        pool = await repository.pool_by_id(session, uuid.UUID(pool_id))
        assert pool is not None
        world = (await open_pool_accounts(session, pool)).world
        savings = (await open_member_accounts(session, pool, uuid.UUID(worker_id))).savings
        transfer = TransferRequest(
            id=new_id(),
            debit_account_id=world.id,
            credit_account_id=savings.id,
            amount_minor=amount_minor,
            currency=pool.currency,
            reason="income_saved",
        )
        await post_transfers(session, [transfer])
        await session.commit()


async def build_world(api: Api) -> World:
    admin_a = await api.admin_headers(ADMIN_A)
    admin_b = await api.admin_headers(ADMIN_B)
    operator = await api.admin_headers("ops@mutua.example.org", role="operator")
    pa = await api.create_pool(admin_a, name="Bay Riders", currency="USD")
    pb = await api.create_pool(admin_b, name="Couriers CDMX", currency="MXN")
    w1 = await api.worker_headers(W1_PHONE)
    w2 = await api.worker_headers(W2_PHONE)
    worker_ids = {}
    for name, headers, pool, income in (("W1", w1, pa, W1_INCOME), ("W2", w2, pb, W2_INCOME)):
        membership = await join_pool(api, headers, pool["code"])
        assert membership["pool_id"] == pool["id"]
        response = await api.client.post("/v1/me/income", json=income, headers=headers)
        assert response.status_code == 201, response.text
        worker_ids[name] = (await api.client.get("/v1/me", headers=headers)).json()["id"]
    await save(api, pa["id"], worker_ids["W1"], W1_SAVED)
    await save(api, pb["id"], worker_ids["W2"], W2_SAVED)
    return World(
        headers={
            "anonymous": {},
            "W1": w1,
            "W2": w2,
            "admin A": admin_a,
            "admin B": admin_b,
            "operator": operator,
        },
        pools={"PA": pa, "PB": pb},
        worker_ids=worker_ids,
    )


async def test_every_route_checks_the_caller_and_what_it_names(api: Api) -> None:
    served = routes_of(api.client.app)
    missing = sorted(served - ROUTES.keys())
    assert not missing, (
        f"routes without a row in the ownership table: {missing}; add who may call each, "
        "who gets 401/403/404, and what the rightful caller sees"
    )
    stale = sorted(ROUTES.keys() - served)
    assert not stale, f"the ownership table lists routes the app no longer serves: {stale}"

    world = await build_world(api)
    failures: list[str] = []
    for (method, path), case in ROUTES.items():
        for row in case.rows:
            url, request = await case.build(api, world, row.target)
            rest = {name: value for name, value in request.items() if name != "headers"}
            headers = {**request.get("headers", {}), **world.headers[row.caller]}
            response = await api.client.request(method, url, headers=headers, **rest)
            where = f"{method} {path} by {row.caller} naming {row.target}"
            if response.status_code != row.status:
                failures.append(f"{where}: {response.status_code}, expected {row.status}")
                continue
            try:
                if row.status >= 400:
                    slug = row.slug or SLUG_BY_STATUS[row.status]
                    assert_problem(response, row.status, slug)
                    listed = documented_problems(api.client.app, method, url) or {}
                    assert slug in listed.get(row.status, set()), f"not in the OpenAPI: {listed}"
                elif row.check is not None:
                    row.check(world, response.json())
            except AssertionError as error:
                failures.append(f"{where}: {error}")
    assert not failures, "\n".join(failures)
