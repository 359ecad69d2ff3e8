"""Amounts and months as workers type them, in several scripts and number formats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from channels.numbers import amount_minor, ascii_digits, parse_choice, parse_month, parse_number
from channels.words import language_of_word, opt_out_word, read
from core.periods import Period
from i18n import Command


@pytest.mark.parametrize(
    ("typed", "language", "value"),
    [
        ("450", "en", "450"),
        ("1,234.56", "en", "1234.56"),
        ("1.234,56", "pt-BR", "1234.56"),
        ("1 234,56", "fr", "1234.56"),
        ("1\u202f234,56", "fr", "1234.56"),
        ("1.234", "pt-BR", "1234"),  # Brazilians group thousands with a dot
        ("1,234", "en", "1234"),
        ("1,234", "pt-BR", "1.234"),  # and write decimals with a comma
        ("12.345.678", "pt-BR", "12345678"),
        ("1,23", "en", "1.23"),
        ("$450.50", "en", "450.50"),
        ("١٢٣٤٫٥٦", "ar", "1234.56"),
        ("١٬٢٣٤", "ar", "1234"),
        ("४५०", "hi", "450"),
        ("৪৫০", "bn", "450"),
        ("৳৪৫০", "bn", "450"),
    ],
)
def test_local_number_formats(typed: str, language: str, value: str) -> None:
    assert parse_number(typed, language) == Decimal(value)


@pytest.mark.parametrize("typed", ["", "abc", "12.34.56,7,8", "1,2345", "4 5 0 x", "-450", "1e6"])
def test_what_is_not_a_number(typed: str) -> None:
    assert parse_number(typed, "en") is None


def test_amounts_follow_the_currency_decimals() -> None:
    assert amount_minor(Decimal("1234.56"), "USD") == 123456
    assert amount_minor(Decimal("750"), "JPY") == 750
    assert amount_minor(Decimal("750.5"), "JPY") is None
    assert amount_minor(Decimal("1.005"), "USD") is None


@pytest.mark.parametrize(
    ("typed", "language", "month"),
    [
        ("11", "en", "2026-11"),
        ("12", "en", "2025-12"),  # December has not come yet in November: last year's
        ("nov", "en", "2026-11"),
        ("noviembre", "es", "2026-11"),
        ("novembre", "fr", "2026-11"),
        ("Novemba", "sw", "2026-11"),
        ("2026-10", "en", "2026-10"),
        ("10/2026", "en", "2026-10"),
        ("١١", "ar", "2026-11"),
    ],
)
def test_months(typed: str, language: str, month: str) -> None:
    assert parse_month(typed, language, Period(2026, 11)) == Period.parse(month)


def test_digits_and_choices_of_any_script() -> None:
    assert ascii_digits("٠١٢३४৫") == "012345"
    assert [parse_choice(t) for t in ("2", " ٢ ", "2.", "x", "123")] == [2, 2, 2, None, None]


@pytest.mark.parametrize(
    ("text", "command"),
    [("STOP", Command.STOP), ("optout", Command.STOP), ("Revoke!", Command.STOP),
     ("unstop", Command.START), ("info", Command.HELP), ("yes", None), ("stop it", None)],
)  # fmt: skip
def test_twilio_words_match_the_whole_message(text: str, command: Command | None) -> None:
    assert opt_out_word(text) is command


def test_target_and_income_words() -> None:
    assert read("TARGET", "en") is not None and read("TARGET", "en").command is Command.SAVE  # type: ignore[union-attr]
    found = read("ingresos 450 uber", "es")
    assert found is not None and (found.command, found.argument) == (Command.INCOME, "450 uber")
    assert read("收入450", None) is not None


def test_the_word_a_stranger_used_says_their_language() -> None:
    assert language_of_word("UNIRSE", None) == "es"
    assert language_of_word("JIUNGE", None) == "sw"
    assert language_of_word("JOIN", "es") is None  # English says nothing
    assert language_of_word("SALDO", "pt-BR") == "pt-BR"  # shared: the phone's country decides
    assert language_of_word("SALDO", None) == "es"
