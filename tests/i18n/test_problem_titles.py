"""Every problem the API can answer with has a title in every language.

The slugs are found in the code itself, not copied into this test: every `MutuaError`
subclass of Mutua's packages (walked through `__subclasses__()` once every module is
imported), the API's generic problems by status, and every literal slug passed to
`problem(...)` / `_problem(...)` anywhere in `api/`. A new error without a catalog entry
fails here, not in front of a worker.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

import api.problems
from core.errors import MutuaError
from i18n import (
    PROBLEM_TITLES,
    SUPPORTED_LANGUAGES,
    UnknownProblemType,
    UnsupportedLanguage,
    problem_title,
)
from i18n.catalogs import read_catalog
from i18n.checks import check_catalog

PACKAGES = (
    "core",
    "pools",
    "income",
    "notifications",
    "i18n",
    "runs",
    "banks",
    "appeals",
    "channels",
    "audit",
    "benefits",
    "votes",
    "web",
    "api",
)
"""Mutua's packages that can define errors (`actuarial/` raises no `MutuaError`)."""

ROOT = Path(__file__).resolve().parents[2]


def _import_everything() -> None:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)


def _error_classes(cls: type[MutuaError]) -> Iterator[type[MutuaError]]:
    yield cls
    for subclass in cls.__subclasses__():
        yield from _error_classes(subclass)


def error_titles() -> dict[str, str]:
    """Slug → English title of every error class Mutua's packages define."""
    _import_everything()
    titles: dict[str, str] = {}
    for cls in _error_classes(MutuaError):
        if cls.__module__.split(".")[0] not in PACKAGES:
            continue  # a test's own subclass, say
        assert titles.setdefault(cls.slug, cls.title) == cls.title, (
            f"{cls.__qualname__}: slug {cls.slug!r} has two different English titles"
        )
    return titles


def _literal_problems() -> Iterator[tuple[str, str]]:
    """(slug, English title) of every `problem(...)`/`_problem(...)` call with literals."""
    for path in sorted((ROOT / "api").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 3:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            slug, title = node.args[1], node.args[2]
            if (
                name in ("problem", "_problem")
                and isinstance(slug, ast.Constant)
                and isinstance(slug.value, str)
            ):
                assert isinstance(title, ast.Constant) and isinstance(title.value, str), (
                    f"{path.name}:{node.lineno}: the English title of {slug.value!r} "
                    "should be a literal"
                )
                yield slug.value, title.value


def generic_titles() -> dict[str, str]:
    """Slug → English title of every problem the API makes without an error class."""
    pairs = [
        *api.problems._SLUGS_BY_STATUS.values(),
        api.problems._OTHER_STATUS,
        *_literal_problems(),
    ]
    titles: dict[str, str] = {}
    for slug, title in pairs:
        assert titles.setdefault(slug, title) == title, f"{slug!r}: two English titles"
    return titles


ERROR_TITLES = error_titles()
GENERIC_TITLES = generic_titles()
ALL_SLUGS = sorted(ERROR_TITLES.keys() | GENERIC_TITLES.keys())


def test_the_slugs_were_really_found() -> None:
    """Guards the discovery itself: a walk that found nothing would pass everything."""
    for slug in ("invalid-phone", "unsupported-language", "invalid-csv", "invalid-pool-rules"):
        assert slug in ERROR_TITLES
    for slug in ("insufficient-funds", "already-reversed", "too-many-codes", "weak-password"):
        assert slug in ERROR_TITLES
    for slug in (
        "malformed-json",
        "internal-error",
        "not-ready",
        "http-error",
        "method-not-allowed",
        "invalid-idempotency-key",
        "body-too-large",
        "idempotency-key-reused",
        "idempotency-request-in-flight",
    ):
        assert slug in GENERIC_TITLES
    assert len(ALL_SLUGS) >= 40


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_slug_has_a_title_in_every_language(language: str) -> None:
    missing = [slug for slug in ALL_SLUGS if slug not in PROBLEM_TITLES]
    assert missing == [], f"add these to i18n.registry.PROBLEM_TITLES: {missing}"
    english = {slug: problem_title(slug, "en") for slug in ALL_SLUGS}
    for slug in ALL_SLUGS:
        title = problem_title(slug, language)
        assert title.strip() == title and title, (language, slug)
        if language != "en":
            assert title != english[slug], f"{language} {slug}: still English"


def test_the_english_catalog_says_what_the_code_says() -> None:
    """The English text is the error's own `title`; the two must not drift apart."""
    for slug, title in {**GENERIC_TITLES, **ERROR_TITLES}.items():
        assert problem_title(slug, "en") == title, slug


def test_no_title_is_left_over() -> None:
    """A title whose slug no code raises any more is dead weight for every translator."""
    assert sorted(PROBLEM_TITLES) == ALL_SLUGS


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_titles_are_headings(language: str) -> None:
    """One line, no values to fill in, no closing full stop, short enough for a heading."""
    for slug in PROBLEM_TITLES:
        title = problem_title(slug, language)
        assert "{" not in title and "}" not in title, (language, slug)
        assert "\n" not in title, (language, slug)
        assert not title.endswith((".", "。", "।")), (language, slug, title)
        assert len(title) <= 80, (language, slug, title)


def test_problem_title_reads_the_callers_language() -> None:
    assert problem_title("invalid-phone", "es") == "El número de teléfono no es válido"
    assert problem_title("invalid-phone", "es-MX") == problem_title("invalid-phone", "es")
    assert problem_title("not-found", "fr") == "Introuvable"
    assert problem_title("invalid-phone", "zh-Hans") == "电话号码无效"
    assert problem_title("unauthorized", "sw") == "Unahitaji kuingia"


def test_an_unknown_slug_is_an_error_not_english() -> None:
    with pytest.raises(UnknownProblemType):
        problem_title("no-such-problem", "es")
    with pytest.raises(UnknownProblemType):
        problem_title("no-such-problem", "en")


def test_an_unsupported_language_is_refused() -> None:
    with pytest.raises(UnsupportedLanguage):
        problem_title("invalid-phone", "de")


def _with(catalog: Catalog, slug: str, text: str | None) -> Catalog:
    message = PROBLEM_TITLES[slug]
    if text is None:
        catalog.delete(message.singular, context=message.context)
    else:
        entry = catalog.get(message.singular, context=message.context)
        assert entry is not None
        entry.string = text
    return catalog


def test_the_check_catches_a_missing_title() -> None:
    catalog = _with(read_catalog("es"), "invalid-phone", None)
    problems = check_catalog("es", catalog)
    assert any("[problem.invalid-phone]" in p and "missing" in p for p in problems), problems


def test_the_check_catches_an_untranslated_title() -> None:
    catalog = _with(read_catalog("pt-BR"), "weak-password", "The password is too short")
    problems = check_catalog("pt-BR", catalog)
    assert any("[problem.weak-password]" in p and "same as the English" in p for p in problems)
    catalog = _with(read_catalog("ht"), "weak-password", "")
    problems = check_catalog("ht", catalog)
    assert any("[problem.weak-password]" in p and "not translated" in p for p in problems)


def test_the_check_catches_a_placeholder_in_a_title() -> None:
    catalog = _with(read_catalog("fr"), "invalid-phone", "Le numéro {phone} n'est pas valide")
    problems = check_catalog("fr", catalog)
    assert any("[problem.invalid-phone]" in p and "placeholders" in p for p in problems)
