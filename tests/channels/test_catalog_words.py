"""The words the conversation's messages tell workers to text are words it understands."""

from __future__ import annotations

import pytest

from core.money import Money
from core.periods import Period
from i18n import SUPPORTED_LANGUAGES, Command, match_keyword, render_sms
from i18n.keywords import normalize
from i18n.registry import KEYWORDS
from i18n.render import translate


def first_word(command: Command, language: str) -> str:
    return translate(KEYWORDS[command], language).split(",")[0].strip()


def folded_in(word: str, text: str) -> bool:
    return normalize(word)[0] in normalize(text)[0]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_income_exchange_names_words_it_reads(language: str) -> None:
    confirm = render_sms(
        "income.confirm",
        language,
        platform="Uber",
        amount=Money(45000, "USD"),
        period=Period(2026, 11),
    ).text
    for command in (Command.YES, Command.NO):
        word = first_word(command, language)
        assert folded_in(word, confirm), (language, command, confirm)
        found = match_keyword(word, language)
        assert found is not None and found.command is command
    for template in ("income.ask_amount", "income.cancelled", "income.bad_amount"):
        text = render_sms(template, language).text
        assert folded_in(first_word(Command.INCOME, language), text), (language, template, text)
    join = render_sms("sms.join_ask_code", language).text
    assert folded_in(first_word(Command.JOIN, language), join), (language, join)
    listing = render_sms("sms.language_list", language, languages="1 English").text
    assert folded_in(first_word(Command.LANG, language), listing), (language, listing)
