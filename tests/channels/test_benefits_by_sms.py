"""Sick leave by SMS: SICK claims it, BETTER ends it, in the member's own words."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from benefits.models import BenefitClaim
from tests.channels.conftest import SmsApi

TIERS = [
    {"benefit_minor": 60000, "contribution_minor": 1500},
    {"benefit_minor": 120000, "contribution_minor": 3000},
]


async def _offer(sms: SmsApi, pool: dict, **rules: object) -> None:  # type: ignore[type-arg]
    response = await sms.client.post(
        f"/v1/admin/pools/{pool['id']}/benefits/sick",
        json={"tiers": TIERS, **rules},
        headers=pool["admin"],
    )
    assert response.status_code == 200, response.text


async def _choose(sms: SmsApi, pool: dict, phone: str) -> None:  # type: ignore[type-arg]
    response = await sms.client.post(
        f"/v1/me/pools/{pool['id']}/benefits/sick/tier",
        json={"level": 1},
        headers=await sms.worker_headers(phone),
    )
    assert response.status_code == 200, response.text


async def test_sick_and_better_by_sms_in_english_and_spanish(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    ana, luis = "+14155550181", "+14155550182"
    assert "Welcome" in (await sms.text(ana, f"JOIN {pool['code']}") or "")
    assert await sms.text(luis, f"UNIRSE {pool['code']}")
    unavailable = await sms.text(ana, "SICK")
    assert unavailable is not None and "no sick-leave pay" in unavailable
    await _offer(sms, pool, qualifying_months=0)
    for phone in (ana, luis):
        await _choose(sms, pool, phone)

    claimed = await sms.text(ana, "sick")
    assert claimed is not None and claimed.startswith("We got your claim C-")
    assert "BETTER" in claimed
    again = await sms.text(ana, "SICK")
    assert again is not None and "already open" in again
    today = date.today()
    spanish = await sms.text(luis, f"Enferma {today.isoformat()} nota de la clinica 44")
    assert spanish is not None and spanish.startswith("Recibimos tu solicitud C-")
    assert "MEJOR" in spanish
    bad = await sms.text(luis, "ENFERMO 2026-13-45")
    assert bad is not None and "ENFERMO 2026-12-03" in bad

    back = await sms.text(luis, "mejor")
    assert back is not None and "Bienvenid" in back
    assert "Welcome back" in (await sms.text(ana, "BETTER") or "")
    async with sms.db() as session:
        claims = {c.channel: c for c in await session.scalars(select(BenefitClaim))}
        assert len(list(await session.scalars(select(BenefitClaim)))) == 2
    assert set(claims) == {"sms"}
    found = await sms.client.get("/v1/me/benefit-claims", headers=await sms.worker_headers(luis))
    (mine,) = found.json()
    assert mine["starts_on"] == mine["back_on"] == today.isoformat()
    assert mine["evidence"] == "nota de la clinica 44"


async def test_a_claim_too_early_is_refused_by_sms_and_can_be_appealed(sms: SmsApi) -> None:
    pool = await sms.pool_code()
    luis = "+14155550183"
    assert await sms.text(luis, f"UNIRSE {pool['code']}")
    await _offer(sms, pool)  # six months in before a claim, by default
    await _choose(sms, pool, luis)
    refused = await sms.text(luis, "ENFERMO")
    assert refused is not None
    assert refused.startswith("Tu solicitud no fue aprobada: aun no eras miembro")
    reference = refused.rsplit("APELAR ", 1)[1].rstrip(".")
    assert reference.startswith("D-")
    appealed = await sms.text(luis, f"APELAR {reference} me uní antes")
    assert appealed is not None and reference in appealed
    none = await sms.text(luis, "MEJOR")
    assert none is not None and none.startswith("No tienes ninguna solicitud abierta")
