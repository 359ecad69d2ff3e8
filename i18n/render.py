"""Rendering a template in a language, for the web or for SMS.

Both paths share the catalog lookup and the formatting; only the SMS path makes the text
GSM-7-safe, because on the web a no-break space inside "9 999 999,99 €" is exactly what
keeps the amount on one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from core.money import Money
from core.periods import Period
from i18n import formatting
from i18n.catalogs import translations
from i18n.languages import LANGUAGES, normalize_language
from i18n.registry import CHOICES, PROBLEM_TITLES, TEMPLATES, Message, Template, Value, ValueSpec
from i18n.sms import SmsText, fold_accents, gsm_punctuation, is_gsm7, measure, plain_spaces


class TemplateError(TypeError):
    """A caller passed a template the wrong values: a bug in Mutua, not bad user input."""


class UnknownProblemType(LookupError):
    """A problem slug with no title in the registry: a bug in Mutua (add it to
    `i18n.registry.PROBLEM_TITLES` and translate it), never answered in English by default."""


def translate(message: Message, language: str, number: int | None = None) -> str:
    """The catalog's text for a message; the English text if the catalog lacks it."""
    catalog = translations(language)
    if message.plural is None:
        return catalog.pgettext(message.context, message.singular)
    if number is None:
        raise TemplateError(f"{message.context} needs a number to pick its plural form")
    return catalog.npgettext(message.context, message.singular, message.plural, number)


def _check_value(template: Template, name: str, spec: ValueSpec, value: object) -> None:
    expected: dict[str, type | tuple[type, ...]] = {
        "money": Money,
        "period": Period,
        "int": int,
        "percent": int,
        "str": str,
        "choice": str,
        "date": date,
    }
    kind = expected[spec.kind]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TemplateError(
            f"{template.id}: {name} must be {spec.kind}, got {type(value).__name__}"
        )
    if spec.kind == "choice" and value not in CHOICES[spec.choices or ""]:
        known = ", ".join(CHOICES[spec.choices or ""])
        raise TemplateError(f"{template.id}: {name}={value!r} is not one of {known}")


def _format_value(spec: ValueSpec, value: Value, language: str, *, sms: bool) -> str:
    settings = LANGUAGES[language]
    locale = settings.babel_locale
    if spec.kind == "money" and isinstance(value, Money):
        return formatting.format_money(value, locale, gsm7_symbols=sms and settings.gsm7)
    if spec.kind == "period" and isinstance(value, Period):
        return formatting.format_period(value, locale)
    if spec.kind == "percent" and isinstance(value, int):
        return formatting.format_percent_points(value, locale)
    if spec.kind == "int" and isinstance(value, int):
        return formatting.format_count(value, locale)
    if spec.kind == "choice" and isinstance(value, str):
        return translate(CHOICES[spec.choices or ""][value], language)
    if isinstance(value, date):
        return formatting.format_day(value, locale)
    return str(value)


def _render(template_id: str, language: str, values: Mapping[str, Value], *, sms: bool) -> str:
    template = TEMPLATES.get(template_id)
    if template is None:
        raise TemplateError(f"no template {template_id!r}")
    language = normalize_language(language)
    missing = set(template.values) - set(values)
    extra = set(values) - set(template.values)
    if missing or extra:
        raise TemplateError(
            f"{template_id}: missing values {sorted(missing)}, unexpected values {sorted(extra)}"
        )
    for name, spec in template.values.items():
        _check_value(template, name, spec, values[name])
    number = values[template.count] if template.count else None
    pattern = translate(template.message, language, number if isinstance(number, int) else None)
    formatted = {
        name: _format_value(spec, values[name], language, sms=sms)
        for name, spec in template.values.items()
    }
    for name, value in formatted.items():
        # An amount that ends in a period ("ج.م.") ending a sentence must not double it.
        if value.rstrip("\u200e\u200f\u061c").endswith("."):
            pattern = pattern.replace("{" + name + "}.", "{" + name + "}")
    return pattern.format_map(formatted)


def render_web(template: str, language: str, **values: Value) -> str:
    """The message as shown on the web: Babel's formatting untouched."""
    return _render(template, language, values, sms=False)


def sms_safe(text: str, language: str) -> str:
    """Text made as cheap to send as the language allows.

    Invisible marks and no-break spaces always go. In a GSM-7 language, curly quotes
    become straight ones and, if the language allows it, accents GSM-7 lacks are folded,
    but only when that brings the whole message into GSM-7: folding half a message that
    travels as UCS-2 anyway (a pool name in another script) would lose accents for nothing.
    """
    text = plain_spaces(text)
    settings = LANGUAGES[normalize_language(language)]
    if not settings.gsm7:
        return text
    candidate = gsm_punctuation(text)
    if is_gsm7(candidate):
        return candidate
    if settings.folding != "none":
        folded = fold_accents(candidate, keep_gsm7=settings.folding == "gsm7")
        if is_gsm7(folded):
            return folded
    return text


def render_sms(template: str, language: str, **values: Value) -> SmsText:
    """The message as it will travel by SMS, with its encoding and segment count."""
    text = sms_safe(_render(template, language, values, sms=True), language)
    encoding, segments, characters = measure(text)
    gsm7_language = LANGUAGES[normalize_language(language)].gsm7
    return SmsText(
        text=text,
        encoding=encoding,
        segments=segments,
        budget=TEMPLATES[template].budget_for(gsm7_language),
        characters=characters,
    )


def problem_title(slug: str, language: str) -> str:
    """The heading of the API problem `slug` in a supported language (a BCP-47 tag).

    Raises `UnknownProblemType` for a slug the registry lacks and `UnsupportedLanguage` for
    a tag Mutua has no catalog for; the caller decides what to fall back to, out loud.
    """
    message = PROBLEM_TITLES.get(slug)
    if message is None:
        raise UnknownProblemType(f"no problem title for {slug!r}")
    return translate(message, normalize_language(language))
