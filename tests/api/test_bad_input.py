"""Whatever a caller sends, the answer is a 4xx problem with a stable `type`, never a 500,
and a refused request leaves nothing behind.

Clients (and the SMS channel) branch on the problem `type`, so each case below names the
exact type it must get.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from api.paging import encode_cursor
from api.tokens import Principal, issue_token
from audit.models import AuditEvent
from benefits.models import BenefitClaim, BenefitEnrolment, BenefitPlan
from core.clock import utcnow
from income.models import IncomeRecord
from notifications.models import OutboxMessage
from pools.models import Membership, Pool, SignInCode, Worker
from runs.models import Decision
from tests.api.conftest import SECRET, Api, assert_problem, documented_problems, join_pool

WORKER_PHONE = "+14155550140"
EMPTY_PAGE = {"items": [], "next_cursor": None}
ONE_MIB = 1024 * 1024

INCOME = {"platform": "uber", "month": "2026-09", "amount_minor": 12345, "currency": "USD"}


def income(**changes: Any) -> dict[str, Any]:
    return {**INCOME, **changes}


def income_without(name: str) -> dict[str, Any]:
    return {key: value for key, value in INCOME.items() if key != name}


ID = str(uuid.UUID(int=7))


def cursor_of(values: list[Any]) -> str:
    """A cursor made by hand, as a client tampering with one would."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def nested(depth: int) -> Any:
    """A value of arrays `depth` deep."""
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def pool_body(**changes: Any) -> dict[str, Any]:
    return {"name": "Night Couriers", "currency": "USD", **changes}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: str
    caller: str
    """A key of `World.headers`: who sends it (signed in, anonymous, or a bad token)."""
    status: int
    slug: str
    json: Any = None
    content: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    """Fields the problem must carry besides its type (the CSV line, a reason code)."""


def post_income(name: str, body: Any, status: int, slug: str) -> Case:
    return Case(name, "POST", "/v1/me/income", "worker", status, slug, json=body)


def raw_income(name: str, raw: bytes, status: int, slug: str) -> Case:
    return Case(
        name,
        "POST",
        "/v1/me/income",
        "worker",
        status,
        slug,
        content=raw,
        headers={"Content-Type": "application/json"},
    )


def history(name: str, params: dict[str, str], slug: str, **detail: Any) -> Case:
    return Case(name, "GET", "/v1/me/income", "worker", 422, slug, params=params, detail=detail)


def request_code(name: str, body: Any, slug: str) -> Case:
    return Case(name, "POST", "/v1/auth/otp", "anonymous", 422, slug, json=body)


def new_pool(name: str, body: Any, slug: str) -> Case:
    return Case(name, "POST", "/v1/pools", "admin", 422, slug, json=body)


def patch_me(name: str, body: Any, slug: str) -> Case:
    return Case(name, "PATCH", "/v1/me", "worker", 422, slug, json=body)


def csv_upload(name: str, statement: str, slug: str, **options: Any) -> Case:
    headers = {"Content-Type": options.pop("content_type", "text/csv")}
    return Case(
        name,
        "POST",
        "/v1/me/income/csv",
        "worker",
        422,
        slug,
        content=statement,
        headers=headers,
        **options,
    )


STATEMENT = "date,platform,amount\n2026-09-01,uber,10.00\n"

CASES = [
    # Bodies that are not JSON at all.
    raw_income("malformed JSON", b'{"platform": "uber", ', 400, "malformed-json"),
    raw_income("trailing garbage", b'{"platform": "uber"} and more', 400, "malformed-json"),
    raw_income("NaN is not JSON", b'{"amount_minor": NaN}', 400, "malformed-json"),
    raw_income("a number beyond any float", b'{"amount_minor": 1e400}', 400, "malformed-json"),
    raw_income("not UTF-8", b"\xff\xfe{}", 400, "malformed-json"),
    # JSON of the wrong shape.
    post_income("a JSON array", [INCOME], 422, "validation-failed"),
    raw_income("JSON null", b"null", 422, "validation-failed"),
    raw_income("a JSON string", b'"uber"', 422, "validation-failed"),
    raw_income("an empty body", b"", 422, "validation-failed"),
    post_income("unknown field", income(worker_id=str(uuid.uuid4())), 422, "validation-failed"),
    post_income("missing currency", income_without("currency"), 422, "validation-failed"),
    post_income("missing amount", income_without("amount_minor"), 422, "validation-failed"),
    post_income("month as a number", income(month=202609), 422, "validation-failed"),
    post_income("platform as a list", income(platform=["uber"]), 422, "validation-failed"),
    # Amounts are whole, non-negative numbers of minor units.
    post_income("negative amount", income(amount_minor=-1), 422, "validation-failed"),
    post_income("fractional amount", income(amount_minor=1.5), 422, "validation-failed"),
    post_income("amount as a string", income(amount_minor="12"), 422, "validation-failed"),
    post_income("amount in exponent text", income(amount_minor="1e3"), 422, "validation-failed"),
    post_income("amount as a float", income(amount_minor=12.0), 422, "validation-failed"),
    post_income("amount as a boolean", income(amount_minor=True), 422, "validation-failed"),
    post_income("amount null", income(amount_minor=None), 422, "validation-failed"),
    post_income("amount too large", income(amount_minor=10**16), 422, "validation-failed"),
    post_income("amount beyond 64 bits", income(amount_minor=10**30), 422, "validation-failed"),
    # Currencies and platforms from the known lists only.
    post_income("unknown currency", income(currency="XYZ"), 422, "unknown-currency"),
    post_income("gold is not a currency", income(currency="XAU"), 422, "unknown-currency"),
    post_income("two-letter currency", income(currency="US"), 422, "validation-failed"),
    post_income("unknown platform", income(platform="myspace"), 422, "unknown-platform"),
    post_income("empty platform", income(platform=""), 422, "validation-failed"),
    # Months are YYYY-MM and not in the future.
    post_income("month 13", income(month="2026-13"), 422, "invalid-period"),
    post_income("month 00", income(month="2026-00"), 422, "invalid-period"),
    post_income("two-digit year", income(month="26-01"), 422, "validation-failed"),
    post_income("a future month", income(month="2100-01"), 422, "invalid-period"),
    # A bad query parameter is named as the client sent it (`from`), not as the code calls it.
    history("range from month 13", {"from": "2026-13"}, "invalid-period", field="from"),
    history("range to a two-digit year", {"to": "26-01"}, "invalid-period", field="to"),
    history("range from words", {"from": "sept"}, "invalid-period", field="from"),
    history(
        "range too long to be a month",
        {"from": "2026-01-01"},
        "validation-failed",
        errors=[{"message": "Expected `str` of length <= 7", "key": "from", "source": "query"}],
    ),
    history("reversed range", {"from": "2026-05", "to": "2026-01"}, "invalid-period-range"),
    history(
        "a misspelt parameter, not an unfiltered list", {"form": "2026-01"}, "validation-failed"
    ),
    Case(
        "a method the path does not take", "DELETE", "/v1/me", "worker", 405, "method-not-allowed"
    ),
    # Pages: a limit within bounds, and a cursor as the list gave it out.
    history("a page of nothing", {"limit": "0"}, "validation-failed"),
    history("a page past the largest", {"limit": "201"}, "validation-failed"),
    history("a limit in words", {"limit": "ten"}, "validation-failed"),
    history("a cursor that is not one", {"cursor": "not-a-cursor"}, "invalid-cursor"),
    history("a cursor of another list", {"cursor": encode_cursor("pools", [ID])}, "invalid-cursor"),
    history(
        "a cursor of a bad month", {"cursor": encode_cursor("income", ["x", ID])}, "invalid-cursor"
    ),
    history(
        "a cursor holding a NUL",
        {"cursor": encode_cursor("income", ["\x00", ID])},
        "invalid-cursor",
    ),
    history(
        "a cursor with a number", {"cursor": cursor_of(["income", "2026-01", 7])}, "invalid-cursor"
    ),
    Case(
        "a cursor whose time has no offset",
        "GET",
        "/v1/me/ledger",
        "worker",
        422,
        "invalid-cursor",
        params={"cursor": encode_cursor("ledger", ["2026-11-01T10:00:00", ID])},
    ),
    Case(
        "members paged by a broken cursor",
        "GET",
        "/v1/admin/pools/{pool}/members",
        "admin",
        422,
        "invalid-cursor",
        params={"cursor": "%%%"},
    ),
    # Appeals decided and rules proposed: refused before anything is written.
    Case(
        "an appeal outcome nobody offers",
        "POST",
        f"/v1/admin/pools/{{pool}}/appeals/{ID}/decision",
        "admin",
        422,
        "validation-failed",
        json={"outcome": "maybe"},
    ),
    Case(
        "a negative corrected amount",
        "POST",
        f"/v1/admin/pools/{{pool}}/appeals/{ID}/decision",
        "admin",
        422,
        "validation-failed",
        json={"outcome": "changed", "amount_minor": -5},
    ),
    Case(
        "a rule Mutua does not have",
        "POST",
        "/v1/admin/pools/{pool}/proposals",
        "admin",
        422,
        "invalid-pool-rules",
        json={"changes": {"free_money_bp": 100}},
    ),
    Case(
        "a rate above 100%",
        "POST",
        "/v1/admin/pools/{pool}/proposals",
        "admin",
        422,
        "invalid-pool-rules",
        json={"changes": {"contribution_rate_bp": 10_001}},
    ),
    Case(
        "a proposal that changes nothing",
        "POST",
        "/v1/admin/pools/{pool}/proposals",
        "admin",
        422,
        "invalid-pool-rules",
        json={"changes": {}},
    ),
    Case(
        "a rule given as true",
        "POST",
        "/v1/admin/pools/{pool}/proposals",
        "admin",
        422,
        "validation-failed",
        json={"changes": {"deductible_bp": True}},
    ),
    Case(
        "a vote of maybe",
        "POST",
        f"/v1/me/proposals/{ID}/vote",
        "worker",
        422,
        "validation-failed",
        json={"choice": "maybe"},
    ),
    Case(
        "an audit page of another list",
        "GET",
        "/v1/admin/pools/{pool}/audit",
        "admin",
        422,
        "invalid-cursor",
        params={"cursor": cursor_of(["appeals", ID])},
    ),
    # Benefits: rules checked as a whole, claims within the pool's rules, nothing half-made.
    Case(
        "benefit tiers falling",
        "POST",
        "/v1/admin/pools/{pool}/benefits/sick",
        "admin",
        422,
        "invalid-benefit-rules",
        json={
            "tiers": [
                {"benefit_minor": 900, "contribution_minor": 50},
                {"benefit_minor": 800, "contribution_minor": 60},
            ]
        },
    ),
    Case(
        "benefit with no tiers",
        "POST",
        "/v1/admin/pools/{pool}/benefits/injury",
        "admin",
        422,
        "validation-failed",
        json={"tiers": []},
    ),
    Case(
        "a new benefit without tiers",
        "POST",
        "/v1/admin/pools/{pool}/benefits/injury",
        "admin",
        422,
        "invalid-benefit-rules",
        json={"waiting_days": 3},
    ),
    Case(
        "a benefit nobody offers",
        "POST",
        "/v1/admin/pools/{pool}/benefits/cough",
        "admin",
        404,
        "benefit-not-offered",
        json={"waiting_days": 3},
    ),
    Case(
        "members approve, but how many",
        "POST",
        "/v1/admin/pools/{pool}/benefits/sick",
        "admin",
        422,
        "invalid-benefit-rules",
        json={"approval": "members"},
    ),
    Case(
        "benefit rule unknown",
        "POST",
        "/v1/admin/pools/{pool}/benefits/sick",
        "admin",
        422,
        "validation-failed",
        json={"waiting_weeks": 2},
    ),
    Case(
        "waiting days negative",
        "POST",
        "/v1/admin/pools/{pool}/benefits/sick",
        "admin",
        422,
        "validation-failed",
        json={"waiting_days": -1},
    ),
    Case(
        "a tier above the top",
        "POST",
        "/v1/me/pools/{pool}/benefits/sick/tier",
        "worker",
        422,
        "invalid-benefit-rules",
        json={"level": 3},
    ),
    Case(
        "a tier in words",
        "POST",
        "/v1/me/pools/{pool}/benefits/sick/tier",
        "worker",
        422,
        "validation-failed",
        json={"level": "top"},
    ),
    Case(
        "a claim of a kind nobody knows",
        "POST",
        "/v1/me/benefit-claims",
        "worker",
        422,
        "validation-failed",
        json={"kind": "flu"},
    ),
    Case(
        "a claim of a benefit not offered",
        "POST",
        "/v1/me/benefit-claims",
        "worker",
        404,
        "benefit-not-offered",
        json={"kind": "parental"},
    ),
    Case(
        "a claim without its evidence",
        "POST",
        "/v1/me/benefit-claims",
        "worker",
        422,
        "benefit-evidence-required",
        json={"kind": "sick"},
    ),
    Case(
        "a claim from tomorrow",
        "POST",
        "/v1/me/benefit-claims",
        "worker",
        422,
        "invalid-claim-date",
        json={"starts_on": str(utcnow().date() + timedelta(days=2)), "evidence": "note 7"},
    ),
    Case(
        "a claim on no date",
        "POST",
        "/v1/me/benefit-claims",
        "worker",
        422,
        "validation-failed",
        json={"starts_on": "2026-13-40", "evidence": "note 7"},
    ),
    Case(
        "evidence with control characters",
        "POST",
        "/v1/me/benefit-claims",
        "worker",
        422,
        "control-characters",
        json={"evidence": "note\x00"},
    ),
    Case(
        "ending no claim",
        "POST",
        f"/v1/me/benefit-claims/{ID}/end",
        "worker",
        404,
        "benefit-claim-not-found",
        json={},
    ),
    Case(
        "a claim decision of maybe",
        "POST",
        f"/v1/admin/pools/{{pool}}/benefit-claims/{ID}/decision",
        "admin",
        422,
        "validation-failed",
        json={"outcome": "maybe"},
    ),
    Case(
        "deciding no claim",
        "POST",
        f"/v1/admin/pools/{{pool}}/benefit-claims/{ID}/decision",
        "admin",
        404,
        "benefit-claim-not-found",
        json={"outcome": "approved"},
    ),
    Case(
        "approving no claim",
        "POST",
        f"/v1/me/benefit-claims/{ID}/approval",
        "worker",
        404,
        "benefit-claim-not-found",
        json={"approve": True},
    ),
    Case(
        "an approval in words",
        "POST",
        f"/v1/me/benefit-claims/{ID}/approval",
        "worker",
        422,
        "validation-failed",
        json={"approve": "yes"},
    ),
    # Phone numbers are E.164 with a country code.
    request_code("phone without country code", {"phone": "4155550140"}, "invalid-phone"),
    request_code("phone too short", {"phone": "+1555"}, "invalid-phone"),
    request_code("phone in words", {"phone": "call me"}, "invalid-phone"),
    request_code("empty phone", {"phone": ""}, "validation-failed"),
    request_code("phone as a number", {"phone": 14155550140}, "validation-failed"),
    request_code("phone longer than any", {"phone": "+1" + "4" * 40}, "validation-failed"),
    request_code("no phone", {}, "validation-failed"),
    # Numbers SMS pumping pays on: valid, but no worker's phone.
    request_code("a US premium-rate number", {"phone": "+19002345678"}, "phone-not-textable"),
    request_code("a UK premium-rate number", {"phone": "+449012345678"}, "phone-not-textable"),
    request_code("a French shared-cost number", {"phone": "+33884012345"}, "phone-not-textable"),
    request_code("a Spanish shared-cost number", {"phone": "+34901123456"}, "phone-not-textable"),
    Case(
        "verify with a bad phone",
        "POST",
        "/v1/auth/otp/verify",
        "anonymous",
        422,
        "invalid-phone",
        json={"phone": "12", "code": "123456"},
    ),
    Case(
        "verify with a code that is not six digits",
        "POST",
        "/v1/auth/otp/verify",
        "anonymous",
        422,
        "validation-failed",
        json={"phone": WORKER_PHONE, "code": "12a456"},
    ),
    Case(
        "admin login with a malformed email",
        "POST",
        "/v1/auth/admin/login",
        "anonymous",
        401,
        "invalid-credentials",
        json={"email": "nobody", "password": "correct horse battery staple"},
    ),
    Case(
        "admin login without a password",
        "POST",
        "/v1/auth/admin/login",
        "anonymous",
        422,
        "validation-failed",
        json={"email": "admin@example.org"},
    ),
    # Pools.
    new_pool("pool in an unknown currency", pool_body(currency="XYZ"), "unknown-currency"),
    new_pool("pool with an empty name", pool_body(name=""), "validation-failed"),
    new_pool("pool with a blank name", pool_body(name="   "), "invalid-name"),
    new_pool("pool with an unknown rule", pool_body(rules={"bonus_bp": 1}), "validation-failed"),
    new_pool(
        "pool rule as a string",
        pool_body(rules={"contribution_rate_bp": "400"}),
        "validation-failed",
    ),
    new_pool(
        "pool rate over 100%",
        pool_body(rules={"contribution_rate_bp": 10_001}),
        "validation-failed",
    ),
    new_pool(
        "pool minimum above maximum",
        pool_body(rules={"min_contribution_minor": 900, "max_contribution_minor": 100}),
        "invalid-pool-rules",
    ),
    new_pool("pool rules as text", pool_body(rules="null"), "validation-failed"),
    new_pool("pool in no time zone", pool_body(timezone="Mars/Olympus"), "invalid-timezone"),
    new_pool("pool in no language", pool_body(default_language="xx"), "unsupported-language"),
    Case(
        "join code as a number",
        "POST",
        "/v1/pools/join",
        "worker",
        422,
        "validation-failed",
        json={"code": 12345678},
    ),
    Case(
        "join code of no pool",
        "POST",
        "/v1/pools/join",
        "worker",
        404,
        "join-code-not-found",
        json={"code": "NOPE1234"},
    ),
    # The worker's profile: valid values only, and nothing else can be set.
    patch_me("unknown time zone", {"timezone": "Mars/Olympus"}, "invalid-timezone"),
    patch_me("empty time zone", {"timezone": ""}, "invalid-timezone"),
    patch_me("time zone as a path", {"timezone": "../../etc/passwd"}, "invalid-timezone"),
    patch_me("time zone as a number", {"timezone": -5}, "validation-failed"),
    patch_me("malformed language tag", {"language": "klingon!"}, "unsupported-language"),
    patch_me("unsupported language", {"language": "de"}, "unsupported-language"),
    patch_me("traditional Chinese", {"language": "zh-Hant"}, "unsupported-language"),
    patch_me("language null", {"language": None}, "validation-failed"),
    patch_me("blank name", {"name": "   "}, "invalid-name"),
    # Control characters, NUL above all (PostgreSQL cannot store it), in any text field.
    patch_me("name with a NUL", {"name": "Ana\x00"}, "control-characters"),
    patch_me("name with a terminal escape", {"name": "Ana\x1b[31m"}, "control-characters"),
    patch_me("language with a C1 control", {"language": "es\x85"}, "control-characters"),
    post_income("NUL in a key", {**INCOME, "platform\x00": "uber"}, 422, "control-characters"),
    request_code("phone with a NUL", {"phone": "+1415555\x000140"}, "control-characters"),
    Case(
        "admin login with a NUL in the email",
        "POST",
        "/v1/auth/admin/login",
        "anonymous",
        422,
        "control-characters",
        json={"email": "a\x00b@example.org", "password": "correct horse battery staple"},
    ),
    Case(
        "join code with a NUL",
        "POST",
        "/v1/pools/join",
        "worker",
        422,
        "control-characters",
        json={"code": "a\x00b"},
        detail={"field": "code"},
    ),
    history("NUL in a query parameter", {"from": "2026-0\x00"}, "control-characters"),
    # JSON nested deeper than any body of ours: refused before msgspec would give up.
    raw_income("arrays 2,000 deep", b"[" * 2000 + b"]" * 2000, 422, "json-too-deep"),
    raw_income("objects 5,000 deep", b'{"a":' * 5000 + b"1" + b"}" * 5000, 422, "json-too-deep"),
    new_pool("a body 17 levels deep", pool_body(rules=nested(16)), "json-too-deep"),
    new_pool("16 levels deep is only wrong", pool_body(rules=nested(15)), "validation-failed"),
    patch_me("name too long", {"name": "A" * 201}, "validation-failed"),
    patch_me("phone cannot be changed here", {"phone": "+14155550199"}, "validation-failed"),
    patch_me("opt-out is a flag, not text", {"sms_opted_out": "yes"}, "validation-failed"),
    patch_me(
        "opting out with a bad language: neither applies",
        {"sms_opted_out": True, "language": "xx"},
        "unsupported-language",
    ),
    patch_me(
        "good name and zone, bad language: none of it applies",
        {"name": "Ana", "timezone": "America/Mexico_City", "language": "xx"},
        "unsupported-language",
    ),
    patch_me(
        "good name and language, bad zone: none of it applies",
        {"name": "Ana", "language": "es", "timezone": "Nowhere"},
        "invalid-timezone",
    ),
    # Path ids are UUIDs: anything else names nothing.
    Case("pool id not a UUID", "GET", "/v1/pools/not-a-uuid", "worker", 404, "not-found"),
    Case("pool id a number", "GET", "/v1/admin/pools/12/members", "admin", 404, "not-found"),
    # Appeals: a reason of at most 1,000 characters, of a decision that exists.
    Case(
        "appeal reason too long",
        "POST",
        "/v1/me/decisions/00000000-0000-0000-0000-000000000007/appeal",
        "worker",
        422,
        "validation-failed",
        json={"text": "x" * 1001},
    ),
    Case(
        "appeal with an unknown field",
        "POST",
        "/v1/me/decisions/00000000-0000-0000-0000-000000000007/appeal",
        "worker",
        422,
        "validation-failed",
        json={"text": "x", "status": "upheld"},
    ),
    Case(
        "appeal reason with control characters",
        "POST",
        "/v1/me/decisions/00000000-0000-0000-0000-000000000007/appeal",
        "worker",
        422,
        "control-characters",
        json={"text": "bad\u0000text"},
    ),
    Case(
        "appeal of no decision",
        "POST",
        "/v1/me/decisions/00000000-0000-0000-0000-000000000007/appeal",
        "worker",
        404,
        "decision-not-found",
        json={"text": "wrong"},
    ),
    Case(
        "appeals cursor forged",
        "GET",
        "/v1/admin/pools/00000000-0000-0000-0000-000000000007/appeals",
        "admin",
        422,
        "invalid-cursor",
        params={"cursor": "bm90LWEtY3Vyc29y"},
    ),
    # Gateways: an unsigned webhook is refused before its fields are read.
    Case(
        "unsigned Twilio webhook",
        "POST",
        "/v1/sms/twilio",
        "anonymous",
        403,
        "forbidden",
        content="MessageSid=SM1&From=%2B14155550100&Body=STOP",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    # CSV statements: the first bad line rejects the whole file, and says where.
    csv_upload(
        "statement sent as JSON",
        STATEMENT,
        "validation-failed",
        content_type="application/json",
    ),
    csv_upload(
        "statement in an unknown currency",
        STATEMENT,
        "unknown-currency",
        params={"currency": "XYZ"},
    ),
    csv_upload(
        "empty statement",
        "",
        "invalid-csv",
        detail={"line": 1, "reason": "empty-file"},
    ),
    csv_upload(
        "negative line",
        STATEMENT + "2026-09-02,lyft,5.00\n2026-09-03,lyft,-5.00\n",
        "invalid-csv",
        detail={"line": 4, "reason": "negative-amount", "column": "amount"},
    ),
    csv_upload(
        "impossible date",
        STATEMENT + "2026-02-30,lyft,5.00\n",
        "invalid-csv",
        detail={"line": 3, "reason": "invalid-date", "column": "date"},
    ),
    csv_upload(
        "unknown platform",
        STATEMENT + "2026-09-02,myspace,5.00\n",
        "invalid-csv",
        detail={"line": 3, "reason": "unknown-platform", "column": "platform"},
    ),
    csv_upload(
        "a tenth of a cent",
        STATEMENT + "2026-09-02,lyft,5.001\n",
        "invalid-csv",
        detail={"line": 3, "reason": "too-many-decimals", "column": "amount"},
    ),
    csv_upload(
        "a column we would drop",
        "date,platform,amount,currency\n2026-09-01,uber,10.00,USD\n",
        "invalid-csv",
        detail={"line": 1, "reason": "unexpected-column"},
    ),
    # Bearer tokens that do not sign anyone in.
    Case("forged token", "GET", "/v1/me", "forged", 401, "unauthorized"),
    Case("token from another key", "GET", "/v1/me", "other key", 401, "unauthorized"),
    Case("expired token", "GET", "/v1/me", "expired", 401, "unauthorized"),
    Case("expired admin token", "GET", "/v1/admin/pools", "expired admin", 401, "unauthorized"),
    Case("token of nobody", "GET", "/v1/me", "ghost", 401, "unauthorized"),
    Case("garbage token", "GET", "/v1/me", "garbage", 401, "unauthorized"),
    Case("not a bearer", "GET", "/v1/me", "basic", 401, "unauthorized"),
    Case("token with non-ASCII bytes", "GET", "/v1/me", "non-ASCII", 401, "unauthorized"),
    Case(
        "token with non-ASCII bytes and an Idempotency-Key",
        "POST",
        "/v1/me/income",
        "non-ASCII",
        401,
        "unauthorized",
        json=INCOME,
        headers={"Idempotency-Key": "latin-1"},
    ),
    Case(
        "forged token with a good body",
        "POST",
        "/v1/me/income",
        "forged",
        401,
        "unauthorized",
        json=INCOME,
    ),
    # The bank link: bodies refused before Plaid is asked anything.
    Case(
        "public token of 2,000 characters",
        "POST",
        "/v1/me/plaid/items",
        "worker",
        422,
        "validation-failed",
        json={"public_token": "p" * 2000},
    ),
    Case(
        "public token with a control character",
        "POST",
        "/v1/me/plaid/items",
        "worker",
        422,
        "control-characters",
        json={"public_token": "public-\x07"},
    ),
    Case(
        "a field Plaid's body does not have",
        "POST",
        "/v1/me/plaid/items",
        "worker",
        422,
        "validation-failed",
        json={"public_token": "p", "access_token": "x"},
    ),
    Case(
        "income from no platform",
        "POST",
        f"/v1/me/plaid/deposits/{ID}",
        "worker",
        422,
        "unknown-platform",
        json={"is_income": True},
    ),
    Case(
        "income from an unknown platform",
        "POST",
        f"/v1/me/plaid/deposits/{ID}",
        "worker",
        422,
        "unknown-platform",
        json={"is_income": True, "platform": "acme"},
    ),
    Case(
        "deposits of an unknown kind",
        "GET",
        "/v1/me/plaid/deposits",
        "worker",
        422,
        "validation-failed",
        params={"classification": "salary"},
    ),
    Case(
        "a deposits cursor of another list",
        "GET",
        "/v1/me/plaid/deposits",
        "worker",
        422,
        "invalid-cursor",
        params={"cursor": cursor_of(["decisions", "x", "y"])},
    ),
    Case(
        "an unsigned Plaid webhook",
        "POST",
        "/v1/webhooks/plaid",
        "anonymous",
        401,
        "webhook-signature-invalid",
        json={"webhook_type": "TRANSACTIONS"},
    ),
    Case(
        "a Plaid webhook signed with nonsense",
        "POST",
        "/v1/webhooks/plaid",
        "anonymous",
        401,
        "webhook-signature-invalid",
        content=b"{}",
        headers={"Plaid-Verification": "a.b.c", "Content-Type": "application/json"},
    ),
    Case(
        "forged admin token creating a pool",
        "POST",
        "/v1/pools",
        "forged",
        401,
        "unauthorized",
        json=pool_body(),
    ),
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    headers: dict[str, dict[str, Any]]
    pool: dict[str, Any]


async def make_world(api: Api) -> World:
    admin = await api.admin_headers("admin@example.org")
    pool = await api.create_pool(admin, name="Bay Riders", currency="USD")
    worker = await api.worker_headers(WORKER_PHONE)
    await join_pool(api, worker, pool["code"])
    worker_id = uuid.UUID((await api.client.get("/v1/me", headers=worker)).json()["id"])
    admins = (await api.client.get("/v1/admin/pools", headers=admin)).json()
    assert [p["id"] for p in admins["items"]] == [pool["id"]]
    # A sick-leave benefit that wants evidence, and the worker's tier of it.
    tiers = [{"benefit_minor": 900, "contribution_minor": 50}, {"benefit_minor": 1800,
             "contribution_minor": 90}]  # fmt: skip
    response = await api.client.post(
        f"/v1/admin/pools/{pool['id']}/benefits/sick",
        json={"tiers": tiers, "evidence_required": True, "qualifying_months": 0},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    response = await api.client.post(
        f"/v1/me/pools/{pool['id']}/benefits/sick/tier", json={"level": 1}, headers=worker
    )
    assert response.status_code == 200, response.text

    token = worker["Authorization"].removeprefix("Bearer ")
    payload, _, signature = token.partition(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    as_admin = _b64(json.dumps({**claims, "k": "admin"}).encode())
    an_hour_ago = utcnow() - timedelta(hours=1)
    worker_principal = Principal(kind="worker", id=worker_id)
    return World(
        headers={
            "worker": worker,
            "admin": admin,
            "anonymous": {},
            # The worker's own signature on a payload that now claims to be an administrator.
            "forged": bearer(f"{as_admin}.{signature}"),
            "other key": bearer(issue_token("another-secret-key", worker_principal, 3600)),
            "expired": bearer(issue_token(SECRET, worker_principal, 60, now=an_hour_ago)),
            "expired admin": bearer(
                issue_token(
                    SECRET, Principal(kind="admin", id=uuid.uuid4(), role="admin"), 60, an_hour_ago
                )
            ),
            "ghost": bearer(issue_token(SECRET, Principal(kind="worker", id=uuid.uuid4()), 3600)),
            "garbage": bearer("not-a-token"),
            "basic": {"Authorization": "Basic d29ya2VyOnNlY3JldA=="},
            # Latin-1 bytes where a token's ASCII should be.
            "non-ASCII": {"Authorization": b"Bearer \xe9t\xe9." + signature.encode()},
        },
        pool=pool,
    )


async def send(api: Api, world: World, case: Case) -> Any:
    request: dict[str, Any] = {"headers": {**case.headers, **world.headers[case.caller]}}
    if case.json is not None:
        request["json"] = case.json
    if case.content is not None:
        request["content"] = case.content
    if case.params is not None:
        request["params"] = case.params
    url = case.url.format(pool=world.pool["id"])
    return await api.client.request(case.method, url, **request)


async def snapshot(api: Api, world: World) -> dict[str, Any]:
    """What a refused request could have changed, as rows and as the users see it."""
    await api.deliver()
    counts: dict[str, Any] = {}
    async with api.db() as session:
        tables = (
            Worker, Pool, Membership, SignInCode, IncomeRecord, OutboxMessage, BenefitPlan,
            BenefitEnrolment, BenefitClaim, Decision, AuditEvent,
        )  # fmt: skip
        for table in tables:
            counts[table.__tablename__] = await session.scalar(
                select(func.count()).select_from(table)
            )
        counts["code attempts"] = await session.scalar(select(func.sum(SignInCode.attempts)))
    worker, admin = world.headers["worker"], world.headers["admin"]
    counts["me"] = (await api.client.get("/v1/me", headers=worker)).json()
    counts["income"] = (await api.client.get("/v1/me/income", headers=worker)).json()
    counts["pools"] = (await api.client.get("/v1/admin/pools", headers=admin)).json()
    counts["texts sent"] = len(api.sms.sent)
    return counts


async def test_bad_requests_get_a_problem_type_and_change_nothing(api: Api) -> None:
    world = await make_world(api)
    before = await snapshot(api, world)
    assert before["income"] == EMPTY_PAGE

    failures: list[str] = []
    for case in CASES:
        response = await send(api, world, case)
        try:
            assert response.status_code < 500, f"a server error: {response.text}"
            body = assert_problem(response, case.status, case.slug)
            for name, value in case.detail.items():
                assert body.get(name) == value, f"{name} should be {value!r}: {body}"
            # The OpenAPI document lists this answer for this route (unless no route matched).
            listed = documented_problems(api.client.app, case.method, case.url)
            if listed is not None:
                assert case.slug in listed.get(case.status, set()), (
                    f"the OpenAPI document lists no {case.status} {case.slug} here: {listed}"
                )
        except AssertionError as error:
            failures.append(f"{case.name}: {error}")
    assert not failures, "\n".join(failures)

    assert await snapshot(api, world) == before


async def test_a_bad_line_names_its_line_and_imports_nothing_of_the_file(api: Api) -> None:
    worker = await api.worker_headers(WORKER_PHONE)
    good_lines = "".join(f"2026-08-{day:02d},doordash,{day}.25\n" for day in range(1, 30))
    statement = "date,platform,amount\n" + good_lines + "2026-08-30,doordash,twelve\n"
    response = await api.client.post(
        "/v1/me/income/csv",
        content=statement,
        params={"currency": "USD"},
        headers={**worker, "Content-Type": "text/csv"},
    )
    problem = assert_problem(response, 422, "invalid-csv")
    assert (problem["line"], problem["reason"], problem["column"]) == (
        31,
        "invalid-amount",
        "amount",
    )
    assert "line 31" in problem["detail"]

    history = await api.client.get("/v1/me/income", headers=worker)
    assert history.json() == EMPTY_PAGE

    # The same lines without the bad one go in whole: the refusal was the bad line's doing.
    response = await api.client.post(
        "/v1/me/income/csv",
        content="date,platform,amount\n" + good_lines,
        params={"currency": "USD"},
        headers={**worker, "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["added"] == 29


async def test_bodies_over_one_mebibyte_are_413_and_leave_the_key_unused(api: Api) -> None:
    worker = await api.worker_headers(WORKER_PHONE)
    big_json = json.dumps(income(platform="x" * ONE_MIB)).encode()
    line = "2026-08-01,doordash,12.25\n"
    big_csv = ("date,platform,amount\n" + line * (ONE_MIB // len(line) + 1)).encode()
    assert len(big_json) > ONE_MIB and len(big_csv) > ONE_MIB

    uploads = [
        ("/v1/me/income", big_json, "application/json"),
        ("/v1/me/income/csv?currency=USD", big_csv, "text/csv"),
    ]
    for url, body, content_type in uploads:
        for key in (None, f"big-{content_type}"):
            headers = {**worker, "Content-Type": content_type}
            if key is not None:
                headers["Idempotency-Key"] = key
            response = await api.client.post(url, content=body, headers=headers)
            assert_problem(response, 413, "body-too-large")

    history = await api.client.get("/v1/me/income", headers=worker)
    assert history.json() == EMPTY_PAGE

    # The refused upload did not claim its key: a retry of reasonable size is a first request.
    response = await api.client.post(
        "/v1/me/income",
        json=INCOME,
        headers={**worker, "Idempotency-Key": "big-application/json"},
    )
    assert response.status_code == 201, response.text
    assert "idempotent-replayed" not in response.headers

    # A body of exactly 1 MiB is within the limit.
    almost = b"date,platform,amount\n2026-08-01,doordash,12.25\n"
    almost += b"\n" * (ONE_MIB - len(almost))
    response = await api.client.post(
        "/v1/me/income/csv?currency=USD",
        content=almost,
        headers={**worker, "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text


async def test_currency_codes_are_read_without_regard_to_case(api: Api) -> None:
    """`usd` is the same currency as `USD`: the code normalises it, so it is not an error."""
    worker = await api.worker_headers(WORKER_PHONE)
    response = await api.client.post("/v1/me/income", json=income(currency="usd"), headers=worker)
    assert response.status_code == 201, response.text
    assert response.json()["currency"] == "USD"
