"""GSM-7 detection and segment counts against cases carriers document."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from i18n import is_gsm7, sms_encoding, sms_safe
from i18n.sms import fold_accents, gsm7_cost, measure, plain_spaces


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 1),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        # € [ ] { } ~ ^ | \ are escaped: two septets each.
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("[]{}~^|\\" * 10, "GSM-7", 1),
        ("[]{}~^|\\" * 20, "GSM-7", 3),
        # é ñ ü à è ò Ç ¿ ¡ are in the default alphabet; á í ó ú ç ã are not.
        ("¿Qué año? Ñoño, über, à, è, ù, ò, Ç ¡ya!", "GSM-7", 1),
        ("Ñandú", "UCS-2", 1),
        ("ó" * 70, "UCS-2", 1),
        ("ó" * 71, "UCS-2", 2),
        ("ó" * 134, "UCS-2", 2),
        ("ó" * 135, "UCS-2", 3),
        ("a" * 159 + "ç", "UCS-2", 3),
        ("你好" * 35, "UCS-2", 1),
        ("\u00a0", "UCS-2", 1),
        # A character outside the BMP is two UTF-16 units.
        ("😀" * 35, "UCS-2", 1),
        ("😀" * 36, "UCS-2", 2),
    ],
)
def test_known_encodings_and_segment_counts(text: str, encoding: str, segments: int) -> None:
    assert sms_encoding(text) == (encoding, segments)


def test_escapes_count_two_septets() -> None:
    assert gsm7_cost("a") == 1
    assert gsm7_cost("€") == 2
    assert gsm7_cost("ó") is None
    assert measure("€[a")[2] == 5


def test_an_escape_is_never_split_across_segments() -> None:
    # 306 septets would fit two segments if the escape could straddle them; it cannot.
    text = "a" * 152 + "€" + "a" * 152
    assert measure(text) == ("GSM-7", 3, 306)


def test_a_surrogate_pair_is_never_split() -> None:
    text = "a" * 66 + "😀" + "a" * 66
    assert measure(text) == ("UCS-2", 3, 134)


def test_is_gsm7() -> None:
    assert is_gsm7("Hello @ £ $ ¥ _ !")
    assert not is_gsm7("₹")
    assert not is_gsm7("\u202f")


def test_no_break_spaces_and_bidi_marks_become_plain() -> None:
    assert plain_spaces("9\u202f999,99\u00a0€") == "9 999,99 €"
    assert plain_spaces("\u200f9,999\u200e") == "9,999"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("contribución", "contribucion"),
        ("año qué", "año qué"),
        ("poupança não", "poupanca nao"),
        ("être reçu", "etre recu"),
        ("đóng góp", "dong gop"),
    ],
)
def test_folding_drops_only_what_gsm7_lacks(text: str, folded: str) -> None:
    assert fold_accents(text) == folded


def test_folding_everything_for_languages_that_want_it() -> None:
    assert fold_accents("và bù ngày", keep_gsm7=False) == "va bu ngay"
    assert fold_accents("tiết kiệm", keep_gsm7=False) == "tiet kiem"


@given(st.text(alphabet="abcXYZ 0123.,!?@£$", max_size=700))
def test_plain_gsm7_text_takes_the_documented_number_of_segments(text: str) -> None:
    encoding, segments = sms_encoding(text)
    assert encoding == "GSM-7"
    assert segments == (1 if len(text) <= 160 else -(-len(text) // 153))


@given(st.text(max_size=400))
def test_any_text_fits_the_segments_it_is_given(text: str) -> None:
    encoding, segments, characters = measure(text)
    single, multi = (160, 153) if encoding == "GSM-7" else (70, 67)
    assert segments >= 1
    assert characters <= (single if segments == 1 else segments * multi)
    assert (encoding == "GSM-7") == is_gsm7(text)


def test_sms_safe_straightens_quotes_only_for_latin_sms() -> None:
    assert sms_safe("l’épargne “ok” – 1…", "fr") == 'l\'épargne "ok" - 1...'
    assert sms_safe("“مرحبا”", "ar") == "“مرحبا”"
