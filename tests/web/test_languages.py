"""Every page in every language: `lang` and `dir` right, and no English left on a page that
is not in English (the catalogs are complete, but a text typed into a template would not be
in them)."""

from __future__ import annotations

import re
import uuid

from bs4 import BeautifulSoup, NavigableString
from sqlalchemy import select

from i18n import PAGE_TEXTS, SUPPORTED_LANGUAGES, page_text
from i18n.render import translate
from pools.models import Membership
from runs.models import MonthlyRun
from tests.web.conftest import Site, seed_and_run

SKIPPED = {"script", "style", "code", "option"}
"""Not page text: language names in the picker are each in their own language."""


def english_patterns(language: str) -> list[re.Pattern[str]]:
    """The English texts a page in `language` must not show (those the language words
    differently), with their placeholders matching anything."""
    patterns = []
    for message in PAGE_TEXTS.values():
        if translate(message, language) == message.singular:
            continue
        parts = re.split(r"\{[^{}]*\}", message.singular)
        patterns.append(re.compile(".+".join(re.escape(part) for part in parts)))
    return patterns


def visible_texts(soup: BeautifulSoup) -> list[str]:
    texts = []
    for node in soup.find_all(string=True):
        if not isinstance(node, NavigableString) or not node.strip():
            continue
        parents = {parent.name for parent in node.parents}
        inside_data = any(
            "messages" in (parent.get("class") or []) or parent.get("dir") == "ltr"
            for parent in node.parents
            if parent.name not in (None, "[document]", "html")
        )
        if parents & SKIPPED or inside_data or node.parent.name == "title":
            continue
        texts.append(node.strip())
    for element in soup.find_all(attrs={"aria-label": True}):
        texts.append(str(element["aria-label"]))
    return texts


async def test_every_page_in_every_language(site: Site) -> None:
    demo = await seed_and_run(site, n_workers=6)
    async with site.db() as session:
        member = await session.scalar(
            select(Membership).where(Membership.pool_id == uuid.UUID(demo.pool_id))
        )
        run = await session.scalar(select(MonthlyRun))
        assert member is not None and run is not None
    await site.sign_in_worker(demo.phones[0])
    decisions = await site.page("/me/decisions")
    form = decisions.select_one("form[action$='/appeal']")
    assert form is not None
    response = await site.submit("/me/decisions", str(form["action"]), {"text": "Mi ingreso"})
    assert response.status_code == 200, "an appeal on the queue, and one decision appealed"
    pool = f"/admin/pools/{demo.pool_id}"
    pages = {
        "anonymous": ["/", "/signin", "/admin/signin"],
        "worker": ["/me", "/me/income", "/me/decisions", "/me/data", "/join"],
        "admin": [
            "/admin",
            pool,
            f"{pool}/members",
            f"{pool}/members?q=zzz",
            f"{pool}/members/{member.id}",
            f"{pool}/runs/{run.id}",
            f"{pool}/appeals",
        ],
    }
    failures: list[str] = []
    for who, paths in pages.items():
        site.client.cookies.clear()
        if who == "worker":
            await site.sign_in_worker(demo.phones[0])
        elif who == "admin":
            await site.sign_in_admin(demo.admin_email, create=False, password=demo.admin_password)
        for language in SUPPORTED_LANGUAGES:
            response = await site.client.get("/language", params={"lang": language, "next": "/"})
            assert response.status_code == 302
            patterns = english_patterns(language) if language != "en" else []
            for path in paths:
                response = await site.client.get(path)
                where = f"{path} in {language} ({who})"
                if response.status_code != 200:
                    failures.append(f"{where}: {response.status_code}")
                    continue
                soup = BeautifulSoup(response.text, "html.parser")
                html = soup.html
                assert html is not None
                expected_dir = "rtl" if language == "ar" else "ltr"
                if html.get("lang") != language or html.get("dir") != expected_dir:
                    failures.append(f"{where}: lang={html.get('lang')} dir={html.get('dir')}")
                if response.headers.get("content-language") != language:
                    failures.append(f"{where}: Content-Language {response.headers}")
                for text in visible_texts(soup):
                    if any(pattern.fullmatch(text) for pattern in patterns):
                        failures.append(f"{where}: English text {text!r}")
    assert not failures, "\n".join(failures[:40])


async def test_the_picker_goes_back_where_it_was_and_nowhere_else(site: Site) -> None:
    response = await site.client.get("/language", params={"lang": "ar", "next": "/signin"})
    assert response.headers["location"] == "/signin"
    soup = await site.page("/signin")
    assert soup.html is not None and soup.html["dir"] == "rtl"
    assert soup.h1 is not None and soup.h1.get_text() == page_text("signin.title", "ar")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = await site.client.get("/language", params={"lang": "fr", "next": target})
        assert response.headers["location"] == "/", target
    response = await site.client.get("/language", params={"lang": "xx-nope", "next": "/"})
    assert response.status_code == 302
    soup = await site.page("/")
    assert soup.html is not None and soup.html["lang"] == "fr", "an unknown tag changes nothing"
