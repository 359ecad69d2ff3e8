"""Loading the gettext catalogs, one per language.

`make` compiles `i18n/locales/<locale>/LC_MESSAGES/messages.po` into `.mo` files. A missing
or stale `.mo` (a fresh clone, or a `.po` edited since the last build) is compiled in
memory from the `.po` instead, so a translator's edit is never silently ignored.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from i18n.languages import LANGUAGES

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


def po_path(language: str) -> Path:
    return LOCALES_DIR / LANGUAGES[language].babel_locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    """The language's `.po` as a Babel catalog (for the checks)."""
    path = po_path(language)
    with path.open("rb") as handle:
        return read_po(handle, locale=LANGUAGES[language].babel_locale, domain=DOMAIN)


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalog of a supported tag, cached for the life of the process."""
    po = po_path(language)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    buffer = BytesIO()
    write_mo(buffer, read_catalog(language), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
