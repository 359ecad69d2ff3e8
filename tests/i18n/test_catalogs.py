"""The catalogs themselves: GNU gettext accepts them, and the checks catch broken ones."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message

from i18n import LANGUAGES, SUPPORTED_LANGUAGES
from i18n.catalogs import po_path, read_catalog
from i18n.checks import check_catalog, check_plural_rule, plural_index

MSGFMT = shutil.which("msgfmt")


@pytest.mark.skipif(MSGFMT is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_msgfmt_check_accepts_the_catalog(language: str, tmp_path: Path) -> None:
    assert MSGFMT is not None
    result = subprocess.run(
        [
            MSGFMT,
            "--check",
            "--check-accelerators",
            "-o",
            str(tmp_path / "m.mo"),
            po_path(language),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_is_complete_and_consistent(language: str) -> None:
    assert check_catalog(language) == []


def test_plural_form_counts_follow_cldr() -> None:
    counts = {language: read_catalog(language).num_plurals for language in SUPPORTED_LANGUAGES}
    assert counts["ar"] == 6
    assert counts["zh-Hans"] == 1
    assert counts["vi"] == 1
    for language in SUPPORTED_LANGUAGES:
        cldr = Locale.parse(LANGUAGES[language].babel_locale).plural_form
        integer_categories = {cldr(n) for n in range(0, 1000)}
        assert counts[language] == len(integer_categories), language
        assert check_plural_rule(language) == []


def test_filipino_plurals_are_cldrs_not_englishs() -> None:
    rule = plural_index("fil")
    assert [rule(n) for n in (1, 2, 3, 4, 5, 6, 9, 10, 14)] == [0, 0, 0, 1, 0, 1, 1, 0, 1]


def _entry(catalog: Catalog, context: str) -> Message:
    """The one entry of a template's context (tests edit a copy of the catalog in memory)."""
    found = [entry for entry in catalog if entry.context == context]
    assert len(found) == 1
    return found[0]


def test_the_check_catches_what_would_break_at_send_time() -> None:
    catalog = read_catalog("es")
    _entry(catalog, "sms.unknown_command").string = ""
    _entry(catalog, "pool.welcome").string = "¡Bienvenida a {pool}!"
    changed = _entry(catalog, "account.language_changed")
    changed.string = changed.id
    code = _entry(catalog, "auth.sign_in_code")
    assert isinstance(code.string, tuple)
    code.string = (code.string[0],)
    _entry(catalog, "sms.stopped").flags.add("fuzzy")
    catalog.add("Old message", "Mensaje viejo", context="sms.old")
    problems = "\n".join(check_catalog("es", catalog))
    assert "[sms.unknown_command]" in problems and "not translated" in problems
    assert "placeholders ['pool'] != ['pool_name']" in problems
    assert "[account.language_changed]" in problems and "same as the English" in problems
    assert "1 plural forms, not 2" in problems
    assert "[sms.stopped]" in problems and "fuzzy" in problems
    assert "not in the registry" in problems
    assert check_catalog("es") == []
