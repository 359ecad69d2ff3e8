"""Rendering templates: locale formatting, SMS-safe text, and values checked like code."""

from __future__ import annotations

from datetime import date

import pytest

from core.money import Money
from core.periods import Period
from i18n import TemplateError, UnsupportedLanguage, render_sms, render_web
from i18n.formatting import format_day, format_money, format_period

SEPTEMBER = Period(2026, 9)


def test_sign_in_code_in_english_and_spanish() -> None:
    en = render_sms("auth.sign_in_code", "en", code="482913", minutes=10)
    assert en.text == "Your Mutua code is 482913. It expires in 10 minutes. Never share it."
    assert (en.encoding, en.segments, en.budget) == ("GSM-7", 1, 1)
    es = render_sms("auth.sign_in_code", "es-MX", code="482913", minutes=1)
    assert es.text == "Tu codigo de Mutua es 482913. Vence en 1 minuto. No lo compartas."
    assert render_web("auth.sign_in_code", "es", code="482913", minutes=1).startswith("Tu código")


def test_plural_forms_follow_the_language() -> None:
    forms = {n: render_web("auth.sign_in_code", "ar", code="1", minutes=n) for n in (1, 2, 5, 11)}
    assert "دقيقة" in forms[1]
    assert "دقيقتين" in forms[2]
    assert "دقائق" in forms[5]
    assert "دقيقة" in forms[11] and "دقائق" not in forms[11]
    assert "1 minute." in render_web("auth.sign_in_code", "en", code="1", minutes=1)
    assert "0 minutes." in render_web("auth.sign_in_code", "en", code="1", minutes=0)
    # French and Brazilian Portuguese take the singular for 0 and 1.
    assert "0 minute." in render_web("auth.sign_in_code", "fr", code="1", minutes=0)


@pytest.mark.parametrize(
    ("locale", "web"),
    [
        ("en", "$1,234.50"),
        ("es_419", "USD\u00a01,234.50"),
        ("pt_BR", "US$\u00a01.234,50"),
        ("fr", "1\u202f234,50\u00a0$US"),
        ("hi", "$1,234.50"),
        ("zh_Hans", "US$1,234.50"),
    ],
)
def test_money_is_formatted_for_the_locale(locale: str, web: str) -> None:
    assert format_money(Money(123450, "USD"), locale) == web


def test_currency_symbols_gsm7_lacks_are_replaced_only_for_sms() -> None:
    rupees = Money(99999999, "INR")
    assert render_web("forecast.low_month_warning", "en", period=SEPTEMBER, forecast=rupees)
    web = render_web("forecast.low_month_warning", "en", period=SEPTEMBER, forecast=rupees)
    sms = render_sms("forecast.low_month_warning", "en", period=SEPTEMBER, forecast=rupees)
    assert "₹999,999.99" in web
    assert "Rs 999,999.99" in sms.text
    assert sms.encoding == "GSM-7"
    peso = render_sms(
        "forecast.low_month_warning", "fil", period=SEPTEMBER, forecast=Money(100, "PHP")
    )
    assert "PHP 1.00" in peso.text and "₱" not in peso.text
    # A Hindi SMS travels as UCS-2 anyway, where ₹ is what its reader expects.
    hindi = render_sms("forecast.low_month_warning", "hi", period=SEPTEMBER, forecast=rupees)
    assert "₹" in hindi.text


def test_sms_has_plain_spaces_and_no_bidi_marks_but_the_web_keeps_them() -> None:
    euros = Money(999999999, "EUR")
    web = render_web("forecast.low_month_warning", "fr", period=SEPTEMBER, forecast=euros)
    sms = render_sms("forecast.low_month_warning", "fr", period=SEPTEMBER, forecast=euros)
    assert "9\u202f999\u202f999,99\u00a0€" in web
    assert "9 999 999,99 €" in sms.text
    assert sms.encoding == "GSM-7"
    egp = Money(100, "EGP")
    arabic_web = render_web("forecast.low_month_warning", "ar", period=SEPTEMBER, forecast=egp)
    arabic_sms = render_sms("forecast.low_month_warning", "ar", period=SEPTEMBER, forecast=egp)
    assert "\u200f" in arabic_web
    assert not set("\u200e\u200f\u061c\u00a0") & set(arabic_sms.text)


def test_months_and_days_per_locale() -> None:
    assert format_period(SEPTEMBER, "es_419") == "septiembre de 2026"
    assert format_period(SEPTEMBER, "zh_Hans") == "2026年9月"
    assert format_period(SEPTEMBER, "sw") == "Septemba 2026"
    assert format_period(SEPTEMBER, "ht") == "septanm 2026"
    assert format_day(date(2026, 9, 30), "en") == "Sep 30, 2026"


def test_accents_are_folded_only_where_the_language_allows_and_it_pays() -> None:
    spanish = render_sms("sms.unknown_command", "es")
    assert spanish.text == "Perdon, no entendimos. Envia AYUDA para ver los comandos."
    assert spanish.encoding == "GSM-7"
    # GSM-7 has é and ñ, so they stay.
    assert "español" in render_sms("account.language_changed", "es").text
    vietnamese = render_sms("sms.stopped", "vi")
    assert vietnamese.text == "Ban se khong nhan tin tu Mutua nua. Nhan BAT DAU de nhan lai."
    # A pool name in another script makes the SMS UCS-2 anyway: keep the accents.
    chinese_name = render_sms("pool.welcome", "es", pool_name="互助会")
    assert chinese_name.encoding == "UCS-2"
    assert "Envía" in chinese_name.text
    # Scripts outside GSM-7 are never folded.
    assert render_sms("sms.stopped", "ar").text == render_web("sms.stopped", "ar")


def test_choices_are_translated() -> None:
    sent = render_sms(
        "payout.sent", "pt-BR", amount=Money(5000, "BRL"), period=SEPTEMBER, reason="shortfall"
    )
    assert "sua renda ficou abaixo do normal" in sent.text
    why = render_web(
        "decision.explanation",
        "sw",
        period=SEPTEMBER,
        factor_1="income_drop",
        factor_2="reserve_low",
        reference="D-42",
    )
    assert "mapato yako yameshuka" in why and "akiba ya mfuko iko chini" in why


def test_missing_extra_and_mistyped_values_are_programming_errors() -> None:
    with pytest.raises(TemplateError, match="missing values \\['minutes'\\]"):
        render_sms("auth.sign_in_code", "en", code="1")
    with pytest.raises(TemplateError, match="unexpected values \\['name'\\]"):
        render_sms("account.language_changed", "en", name="x")
    with pytest.raises(TemplateError, match="must be money"):
        render_sms(
            "forecast.low_month_warning",
            "en",
            period=SEPTEMBER,
            forecast=12,  # type: ignore[arg-type]
        )
    with pytest.raises(TemplateError, match="must be int"):
        render_sms("auth.sign_in_code", "en", code="1", minutes=True)
    with pytest.raises(TemplateError, match="not one of"):
        render_sms("payout.sent", "en", amount=Money(1, "USD"), period=SEPTEMBER, reason="because")
    with pytest.raises(TemplateError, match="no template"):
        render_web("auth.nope", "en")
    with pytest.raises(UnsupportedLanguage):
        render_web("sms.help", "de", support="x")


def test_values_are_not_reformatted_as_templates() -> None:
    text = render_sms("pool.welcome", "en", pool_name="Co-op {pool_name} {0}").text
    assert "Co-op {pool_name} {0}" in text


def test_an_amount_ending_in_a_period_does_not_double_the_full_stop() -> None:
    pounds = Money(100, "EGP")
    text = render_sms("forecast.low_month_warning", "ar", period=SEPTEMBER, forecast=pounds).text
    assert "ج.م." in text
    assert ".." not in text


def test_kreyol_dates_use_kreyol_months() -> None:
    assert format_day(date(2026, 10, 3), "ht") == "3 oktòb 2026"
