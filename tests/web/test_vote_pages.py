"""Members vote on the web; administrators propose there; both see the engine's figures."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.web.conftest import Site, seed_and_run
from votes.models import Proposal, Vote


async def test_an_administrator_proposes_and_a_member_votes_and_changes_their_mind(
    site: Site,
) -> None:
    demo = await seed_and_run(site, n_workers=6)
    await site.sign_in_admin(demo.admin_email, create=False, password=demo.admin_password)
    token = await site.csrf(f"/admin/pools/{demo.pool_id}/proposals")
    opened = await site.client.post(
        f"/admin/pools/{demo.pool_id}/proposals",
        data={"_csrf_token": token, "rule": "contribution_rate_bp", "value": "450"},
    )
    assert opened.status_code == 200, opened.text
    html = BeautifulSoup(opened.text, "html.parser")
    assert html.select_one("p.notice") is not None
    tables = html.select("ul.proposals table")
    assert len(tables) == 2  # what changes, and the engine's figures before and after
    assert len(tables[1].select("tbody tr")) == 3
    async with site.db() as session:
        proposal = await session.scalar(select(Proposal))
    assert proposal is not None and proposal.effect is not None

    site.client.cookies.clear()
    await site.sign_in_worker(demo.phones[0])
    page = await site.client.get("/me/votes")
    assert page.status_code == 200
    form = BeautifulSoup(page.text, "html.parser").select_one(f"#p-{proposal.reference} form")
    assert form is not None and {b["value"] for b in form.select("button")} == {"yes", "no"}
    token = await site.csrf("/me/votes")
    for choice in ("yes", "no"):
        voted = await site.client.post(
            f"/me/votes/{proposal.id}", data={"_csrf_token": token, "choice": choice}
        )
        assert voted.status_code == 200
    async with site.db() as session:
        votes = (await session.scalars(select(Vote))).all()
    assert [(v.choice, v.channel, v.changes) for v in votes] == [("no", "web", 1)]
