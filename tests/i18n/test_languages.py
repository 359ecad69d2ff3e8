"""Which language a worker is spoken to in, and which tags the API accepts."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from i18n import (
    LANGUAGES,
    SUPPORTED_LANGUAGES,
    UnsupportedLanguage,
    babel_locale,
    choose_language,
    normalize_language,
)
from i18n.languages import parse_accept_language


def test_the_twelve_languages_in_their_stored_form() -> None:
    assert SUPPORTED_LANGUAGES == (
        "en", "es", "pt-BR", "fr", "ht", "fil", "vi", "zh-Hans", "ar", "hi", "bn", "sw",
    )  # fmt: skip
    assert set(LANGUAGES) == set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en", "en"),
        ("en-US", "en"),
        ("ES-mx", "es"),
        ("es-419", "es"),
        ("pt", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("pt-br", "pt-BR"),
        ("fr-CA", "fr"),
        ("ht", "ht"),
        ("tl", "fil"),
        ("fil-PH", "fil"),
        ("vi-VN", "vi"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-Hans-SG", "zh-Hans"),
        ("ar-EG", "ar"),
        ("hi-IN", "hi"),
        ("bn-BD", "bn"),
        ("sw-KE", "sw"),
        (" es ", "es"),
    ],
)
def test_normalize_language_maps_well_formed_tags(tag: str, expected: str) -> None:
    assert normalize_language(tag) == expected


@pytest.mark.parametrize(
    "tag",
    ["", "e", "english", "es_MX", "es--MX", "de", "zh-TW", "zh-Hant", "x-klingon", "es-", "12"],
)
def test_normalize_language_refuses_malformed_or_unsupported(tag: str) -> None:
    with pytest.raises(UnsupportedLanguage) as raised:
        normalize_language(tag)
    assert isinstance(raised.value, ValidationFailed)
    assert raised.value.status == 422
    assert raised.value.type.endswith("/unsupported-language")


def test_babel_locales_are_mapped_in_one_place() -> None:
    assert babel_locale("pt-BR") == "pt_BR"
    assert babel_locale("zh-Hans") == "zh_Hans"
    assert babel_locale("es") == "es_419"


def test_accept_language_is_ordered_by_weight() -> None:
    assert parse_accept_language("de;q=0.9, fr-CA, *;q=0.5, es;q=0.95, en;q=0") == [
        "fr-CA",
        "es",
        "de",
    ]
    assert parse_accept_language("es;q=abc, vi") == ["vi"]


def choose(**overrides: str | None) -> str:
    arguments: dict[str, str | None] = {
        "chosen": None,
        "accept_language": None,
        "phone_e164": None,
        "pool_default": None,
    }
    arguments.update(overrides)
    return choose_language(**arguments)  # type: ignore[arg-type]


def test_the_workers_own_choice_wins() -> None:
    assert (
        choose(chosen="vi", accept_language="es", phone_e164="+5215512345678", pool_default="fr")
        == "vi"
    )


def test_then_accept_language_first_supported() -> None:
    assert choose(accept_language="de-DE, pt;q=0.8, es;q=0.5", phone_e164="+84912345678") == "pt-BR"


def test_a_stale_choice_falls_through() -> None:
    assert choose(chosen="klingon", accept_language="de, fr;q=0.1") == "fr"


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+5215512345678", "es"),
        ("+5511912345678", "pt-BR"),
        ("+50937123456", "ht"),
        ("+639171234567", "fil"),
        ("+84912345678", "vi"),
        ("+8801712345678", "bn"),
        ("+254712345678", "sw"),
        ("+8613812345678", "zh-Hans"),
        ("+201001234567", "ar"),
        ("+919812345678", "hi"),
        ("+33612345678", "fr"),
    ],
)
def test_then_the_phone_numbers_country(phone: str, expected: str) -> None:
    assert choose(accept_language="de", phone_e164=phone, pool_default="en") == expected


def test_then_the_pool_default_then_english() -> None:
    assert choose(phone_e164="+12025550123", pool_default="es") == "es"
    assert choose(phone_e164="+12025550123", pool_default="de") == "en"
    assert choose(phone_e164="not a phone") == "en"
    assert choose() == "en"
