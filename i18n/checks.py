"""What CI holds every catalog to: complete, well-formed, CLDR plurals, within SMS budgets.

A translation that is missing falls back to English at run time, a placeholder renamed in
one language fails only when that message is sent, and a message one character over its
budget costs every worker an extra SMS each month. None of that shows in a code review,
so `python -m i18n check` and the tests look for all of it.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from babel import Locale
from babel.messages.catalog import Catalog

from core.money import Money
from i18n.catalogs import po_path, read_catalog, translations
from i18n.languages import LANGUAGES, SUPPORTED_LANGUAGES
from i18n.registry import (
    CHOICES,
    POOL_CURRENCIES,
    TEMPLATES,
    USSD_GSM7_MAX,
    USSD_UCS2_MAX,
    WORST_AMOUNT_MINOR,
    Template,
    Value,
    ValueSpec,
    all_messages,
)
from i18n.render import render_sms
from i18n.sms import SmsText

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# Text that is the same in every language: the brand, and keywords that really are
# international (French uses STOP like English; Kreyòl says LANG).
IDENTICAL_ALLOWED = frozenset({"Mutua", "OK", "STOP", "LANG"})


@dataclass(frozen=True, slots=True)
class WorstCase:
    language: str
    template: str
    sms: SmsText
    values: dict[str, Value]

    def as_json(self) -> dict[str, object]:
        return {
            "locale": self.language,
            "template": self.template,
            "text": self.sms.text,
            "encoding": self.sms.encoding,
            "segments": self.sms.segments,
            "budget": self.sms.budget,
            "characters": self.sms.characters,
        }


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def plural_index(language: str) -> Callable[[int], int]:
    """The catalog's own plural rule (its Plural-Forms header), as gettext applies it."""
    catalog: Any = translations(language)  # GNUTranslations sets `plural` from the header
    return cast(Callable[[int], int], catalog.plural)


def counts_per_form(language: str, spec: ValueSpec) -> list[int]:
    """For each plural form the count's range reaches, the largest count taking it."""
    rule = plural_index(language)
    chosen: dict[int, int] = {}
    for number in range(spec.high, spec.low - 1, -1):
        chosen.setdefault(rule(number), number)
    return sorted(chosen.values())


def _candidates(template: Template, language: str, currency: str) -> list[list[Value]]:
    lists: list[list[Value]] = []
    for spec in template.values.values():
        if spec.kind == "money":
            lists.append([Money(WORST_AMOUNT_MINOR, currency)])
        elif spec.kind == "int" and spec.high:
            lists.append(list(counts_per_form(language, spec)))
        elif spec.kind == "choice":
            lists.append(list(CHOICES[spec.choices or ""]))
        else:
            lists.append(list(spec.worst))
    return lists


def _repeats_a_choice(template: Template, values: dict[str, Value]) -> bool:
    """Two factors of one decision are never the same factor; don't budget for it."""
    chosen = [values[name] for name, spec in template.values.items() if spec.kind == "choice"]
    return len(chosen) != len(set(chosen))


def worst_case(template: Template, language: str) -> WorstCase:
    """The rendering of the template that costs the most segments (then characters)."""
    has_money = any(spec.kind == "money" for spec in template.values.values())
    worst: WorstCase | None = None
    for currency in POOL_CURRENCIES if has_money else POOL_CURRENCIES[:1]:
        for combination in itertools.product(*_candidates(template, language, currency)):
            values = dict(zip(template.values, combination, strict=True))
            if _repeats_a_choice(template, values):
                continue
            sms = render_sms(template.id, language, **values)
            if worst is None or (sms.segments, sms.characters) > (
                worst.sms.segments,
                worst.sms.characters,
            ):
                worst = WorstCase(language, template.id, sms, values)
    assert worst is not None
    return worst


def all_worst_cases(
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES, templates: tuple[str, ...] = ()
) -> Iterator[WorstCase]:
    for language in languages:
        for template_id in templates or tuple(TEMPLATES):
            yield worst_case(TEMPLATES[template_id], language)


def screen_limit(sms: SmsText) -> int:
    """Characters one USSD screen holds in the text's encoding."""
    return USSD_GSM7_MAX if sms.encoding == "GSM-7" else USSD_UCS2_MAX


def fits(case: WorstCase) -> bool:
    """An SMS within its segment budget; a USSD screen within one screen."""
    template = TEMPLATES.get(case.template)
    if template is not None and template.ussd:
        return case.sms.characters <= screen_limit(case.sms)
    return case.sms.within_budget


def check_budgets(cases: list[WorstCase]) -> list[str]:
    problems: list[str] = []
    for case in cases:
        if fits(case):
            continue
        template = TEMPLATES.get(case.template)
        if template is not None and template.ussd:
            problems.append(
                f"{case.language} {case.template}: USSD screen of {case.sms.characters} "
                f"characters ({case.sms.encoding}) over its limit of "
                f"{screen_limit(case.sms)}: {case.sms.text!r}"
            )
            continue
        problems.append(
            f"{case.language} {case.template}: {case.sms.segments} segments "
            f"({case.sms.encoding}, {case.sms.characters} characters) over its budget of "
            f"{case.sms.budget}: {case.sms.text!r}"
        )
    return problems


def check_plural_rule(language: str) -> list[str]:
    """The catalog's Plural-Forms must sort whole numbers as CLDR's rule does.

    gettext and CLDR number their forms differently, so what is compared is the grouping:
    every number a form covers must share one CLDR category, and every category one form.
    """
    rule = plural_index(language)
    cldr = Locale.parse(LANGUAGES[language].babel_locale).plural_form
    by_index: dict[int, str] = {}
    by_category: dict[str, int] = {}
    problems: list[str] = []
    for number in range(0, 1001):
        index, category = rule(number), cldr(number)
        if by_index.setdefault(index, category) != category:
            problems.append(f"{language}: plural form {index} mixes CLDR {category!r} at {number}")
        if by_category.setdefault(category, index) != index:
            problems.append(f"{language}: CLDR {category!r} split across forms at {number}")
    return problems[:3]


def check_catalog(language: str, catalog: Catalog | None = None) -> list[str]:
    """Missing, fuzzy, wrong plural count, placeholder mismatch, untranslated English."""
    catalog = catalog if catalog is not None else read_catalog(language)
    problems = check_plural_rule(language)
    known = {(message.context, message.singular) for message in all_messages()}
    problems.extend(
        f"{language} [{entry.context}] {entry.id!r}: not in the registry (obsolete?)"
        for entry in catalog
        if entry.id
        and (entry.context, entry.id if isinstance(entry.id, str) else entry.id[0]) not in known
    )
    expected_forms = catalog.num_plurals
    for message in all_messages():
        where = f"{language} [{message.context}] {message.singular[:40]!r}"
        key = (message.singular, message.plural) if message.plural else message.singular
        entry = catalog.get(key if isinstance(key, str) else key[0], context=message.context)
        if entry is None:
            problems.append(f"{where}: missing")
            continue
        if entry.fuzzy:
            problems.append(f"{where}: marked fuzzy (unreviewed)")
        forms = list(entry.string) if isinstance(entry.string, tuple | list) else [entry.string]
        if message.plural is not None and len(forms) != expected_forms:
            problems.append(f"{where}: {len(forms)} plural forms, not {expected_forms}")
        expected = placeholders(message.singular)
        for form in forms:
            if not form:
                # gettext shows the msgid for an empty msgstr: English needs no copy of itself.
                if language != "en":
                    problems.append(f"{where}: not translated")
            elif placeholders(form) != expected:
                problems.append(
                    f"{where}: placeholders {sorted(placeholders(form))} != {sorted(expected)}"
                )
            elif (
                language != "en"
                and form == message.singular
                and form not in IDENTICAL_ALLOWED
                and message.context not in ("keyword", "vote.choice")  # words texted back
            ):
                problems.append(f"{where}: same as the English")
    return problems


def check_msgfmt(language: str) -> list[str]:
    """GNU gettext's own verdict on the catalog (headers, plural forms, brace formats)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return []
    result = subprocess.run(  # noqa: S603 (a fixed tool on a path of ours)
        [msgfmt, "--check", "-o", os.devnull, str(po_path(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    return [] if result.returncode == 0 else [f"{language}: msgfmt --check: {result.stderr}"]


def check_all(
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES,
) -> tuple[list[str], list[WorstCase]]:
    """Every problem in every catalog, and the worst cases the budgets were judged on."""
    problems: list[str] = []
    for language in languages:
        problems.extend(check_catalog(language))
        problems.extend(check_msgfmt(language))
    cases = list(all_worst_cases(languages))
    problems.extend(check_budgets(cases))
    return problems, cases
