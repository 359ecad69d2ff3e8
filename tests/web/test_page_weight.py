"""Pages stay light for a cheap phone on a slow connection: under 60 KB each on the wire,
the cached stylesheet and script aside (the demo co-op's 36 members, its month run)."""

from __future__ import annotations

import gzip
import uuid

from sqlalchemy import select

from pools.models import Membership
from tests.web.conftest import Site, seed_and_run

LIMIT = 60_000


async def test_every_page_weighs_under_60_kb(site: Site) -> None:
    demo = await seed_and_run(site, n_workers=36)
    async with site.db() as session:
        member = await session.scalar(
            select(Membership).where(Membership.pool_id == uuid.UUID(demo.pool_id))
        )
        assert member is not None
    pool = f"/admin/pools/{demo.pool_id}"
    weights: dict[str, tuple[int, int]] = {}

    async def weigh(path: str) -> None:
        response = await site.client.get(path)
        assert response.status_code == 200, path
        weights[path] = (len(response.content), len(gzip.compress(response.content)))

    for path in ("/", "/signin", "/admin/signin", "/static/mutua.css", "/static/htmx.min.js"):
        await weigh(path)
    await site.sign_in_worker(demo.phones[0])
    for path in ("/me", "/me/income", "/me/decisions", "/me/data"):
        await weigh(path)
    site.client.cookies.clear()
    await site.sign_in_admin(demo.admin_email, create=False, password=demo.admin_password)
    for path in ("/admin", pool, f"{pool}/members", f"{pool}/members/{member.id}"):
        await weigh(path)
    print("\npage weights (bytes as served, and gzipped):")
    for path, (size, packed) in weights.items():
        print(f"  {path:<70} {size:>7} {packed:>7}")
    pages = {path: size for path, (size, _) in weights.items() if "/static/" not in path}
    assert all(size < LIMIT for size in pages.values()), pages
    assert weights["/static/mutua.css"][0] < 8_000, "one small stylesheet"
    cached = await site.client.get("/static/htmx.min.js")
    assert "max-age=604800" in cached.headers["cache-control"], "scripts are cached a week"
    page = await site.client.get("/admin")
    assert page.headers["cache-control"] == "no-store", "pages with personal data are not"
