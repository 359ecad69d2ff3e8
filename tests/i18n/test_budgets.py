"""Every template, in every language, with its longest values, fits its SMS budget."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from i18n import SUPPORTED_LANGUAGES, TEMPLATES
from i18n.__main__ import main
from i18n.checks import check_budgets, counts_per_form, fits, worst_case
from i18n.registry import POOL_NAME_MAX, WORST_POOL_NAME, count
from i18n.sms import SmsText


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_worst_case_fits_the_budget(language: str, template: str) -> None:
    case = worst_case(TEMPLATES[template], language)
    assert fits(case), case.sms.text


@pytest.mark.parametrize("template", sorted(t for t in TEMPLATES if TEMPLATES[t].ussd))
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_ussd_screen_fits_one_screen(language: str, template: str) -> None:
    case = worst_case(TEMPLATES[template], language)
    limit = 182 if case.sms.encoding == "GSM-7" else 80
    assert case.sms.characters <= limit, case.sms.text


def test_an_overlong_ussd_screen_is_reported() -> None:
    from i18n.checks import WorstCase

    screen = SmsText(text="x" * 183, encoding="GSM-7", segments=2, budget=1, characters=183)
    problems = check_budgets([WorstCase("en", "ussd.menu", screen, {})])
    assert len(problems) == 1 and "USSD screen of 183 characters" in problems[0]
    fitting = SmsText(text="x" * 182, encoding="GSM-7", segments=2, budget=1, characters=182)
    assert check_budgets([WorstCase("en", "ussd.menu", fitting, {})]) == []


def test_worst_case_pool_name_is_as_long_as_the_schema_allows() -> None:
    assert len(WORST_POOL_NAME) == POOL_NAME_MAX == 60


def test_worst_case_renders_every_plural_form_with_its_longest_count() -> None:
    assert counts_per_form("en", count(1, 60)) == [1, 60]
    assert counts_per_form("zh-Hans", count(1, 60)) == [60]
    # Arabic: one (1), two (2), few (3-10), many (11-99) in 1..30.
    assert counts_per_form("ar", count(1, 30)) == [1, 2, 10, 30]


def test_worst_case_covers_every_currency() -> None:
    case = worst_case(TEMPLATES["forecast.low_month_warning"], "hi")
    assert case.sms.encoding == "UCS-2"
    assert case.sms.characters >= len("99,99,99,999")


def test_an_overrun_is_reported() -> None:
    from i18n.checks import WorstCase

    long = SmsText(text="x" * 200, encoding="GSM-7", segments=2, budget=1, characters=200)
    problems = check_budgets([WorstCase("en", "sms.help", long, {})])
    assert len(problems) == 1 and "over its budget of 1" in problems[0]


def test_render_all_worst_case_json() -> None:
    result = CliRunner().invoke(main, ["render", "--all", "--worst-case", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == len(SUPPORTED_LANGUAGES) * len(TEMPLATES)
    assert {"locale", "template", "text", "encoding", "segments", "budget"} <= set(rows[0])
    assert {row["locale"] for row in rows} == set(SUPPORTED_LANGUAGES)
    assert all(row["segments"] <= row["budget"] or TEMPLATES[row["template"]].ussd for row in rows)


def test_check_command_passes() -> None:
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "All 12 catalogs complete and within budget." in result.output
