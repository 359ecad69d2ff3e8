"""What every page template is given: the language, its direction, texts and numbers.

The page language is the one the visitor picked with the language picker (kept in the
session; a worker's chosen language is put there when they sign in), else the browser's
`Accept-Language`, else English. Numbers, money and months are formatted by the same
functions as the texts Mutua sends, so a page and an SMS write an amount the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent
from litestar import Request
from litestar.response import Template

from core.money import Money
from core.periods import Period
from i18n import LANGUAGES, choose_language, page_text
from i18n.formatting import format_count, format_day, format_money, format_period
from web.session import recalled, signed_in

RTL_LANGUAGES = frozenset({"ar"})


def page_language(request: Request[Any, Any, Any]) -> str:
    return choose_language(
        chosen=recalled(request, "lang"),
        accept_language=request.headers.get("accept-language"),
        phone_e164=None,
        pool_default=None,
    )


@dataclass(frozen=True)
class Formats:
    """Numbers as the page's language writes them."""

    language: str

    @property
    def locale(self) -> str:
        return LANGUAGES[self.language].babel_locale

    def money(self, minor: int, currency: str) -> str:
        return format_money(Money(int(minor), currency), self.locale)

    def period(self, text: str) -> str:
        return format_period(Period.parse(text), self.locale)

    def short_period(self, text: str) -> str:
        """A month as a chart's axis says it ("Dec 2026")."""
        return format_skeleton("yMMM", Period.parse(text).first_day, locale=self.locale)

    def probability(self, value: float) -> str:
        """A probability as a percentage with two decimals ("0.42%")."""
        return format_percent(value, "#,##0.00%", locale=self.locale)

    def rate(self, basis_points: int) -> str:
        return format_percent(basis_points / 10_000, "#,##0.##%", locale=self.locale)

    def count(self, number: int) -> str:
        return format_count(int(number), self.locale)

    def day(self, value: date) -> str:
        return format_day(value, self.locale)

    def decimal(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)


@dataclass(frozen=True)
class Texts:
    language: str

    def __call__(self, key: str, **values: object) -> str:
        return page_text(key, self.language, **{k: str(v) for k, v in values.items()})


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    language: str | None = None,
    **context: Any,
) -> Template:
    language = language or page_language(request)
    query = request.url.query
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "lang": language,
            "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
            "t": Texts(language),
            "f": Formats(language),
            "languages": [(tag, spec.native_name) for tag, spec in LANGUAGES.items()],
            "here": request.url.path + (f"?{query}" if query else ""),
            "who": signed_in(request),
            **context,
        },
        headers={"Content-Language": language},
    )
