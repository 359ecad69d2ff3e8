"""Members vote on a rule change by SMS, in their own words; the last vote counts."""

from __future__ import annotations

from sqlalchemy import select

from tests.channels.conftest import SmsApi
from votes.models import Proposal, Vote


async def _proposal(sms: SmsApi, pool: dict) -> dict:  # type: ignore[type-arg]
    response = await sms.client.post(
        f"/v1/admin/pools/{pool['id']}/proposals",
        json={"changes": {"contribution_rate_bp": 350}},
        headers=pool["admin"],
    )
    assert response.status_code == 201, response.text
    found: dict = response.json()  # type: ignore[type-arg]
    return found


async def test_members_vote_by_sms_in_english_and_spanish_and_may_change_their_minds(
    sms: SmsApi,
) -> None:
    pool = await sms.pool_code()
    ana, luis, nobody = "+14155550191", "+14155550192", "+14155550193"
    assert "Welcome" in (await sms.text(ana, f"JOIN {pool['code']}") or "")
    assert await sms.text(luis, f"UNIRSE {pool['code']}")
    assert "no open vote" in (await sms.text(ana, "VOTE YES") or "")
    proposal = await _proposal(sms, pool)
    reference = proposal["reference"]
    asked = await sms.text(ana, "vote")
    assert asked is not None and reference in asked and "VOTE YES" in asked
    counted = await sms.text(ana, "VOTE YES")
    assert counted is not None and "YES" in counted and reference in counted
    spanish = await sms.text(luis, f"voto {reference.lower()} sí")
    assert spanish is not None and spanish.startswith("Tu voto SI") and reference in spanish
    assert await sms.text(luis, "VOTAR NO")  # the last vote counts
    stranger = await sms.text(nobody, "VOTE YES")  # not a member: only JOIN, HELP, STOP
    assert stranger is not None and "JOIN" in stranger
    async with sms.db() as session:
        votes = {
            v.choice: v
            for v in await session.scalars(
                select(Vote).join(Proposal).where(Proposal.reference == reference)
            )
        }
    assert set(votes) == {"yes", "no"} and votes["no"].changes == 1
    assert {v.channel for v in votes.values()} == {"sms"}
    mine = await sms.client.get("/v1/me/proposals", headers=await sms.worker_headers(luis))
    assert mine.status_code == 200 and mine.json()[0]["my_vote"] == "no"
