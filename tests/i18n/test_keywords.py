"""SMS keywords in every language, matched without regard to case or accents."""

from __future__ import annotations

import re

import pytest

from i18n import (
    LANGUAGES,
    SUPPORTED_LANGUAGES,
    Command,
    UnsupportedLanguage,
    match_keyword,
    parse_language_choice,
    render_sms,
)
from i18n.keywords import local_words, normalize
from i18n.registry import KEYWORDS
from i18n.render import translate

# What a worker of each language would text for each command (besides the English word).
TYPED: dict[str, dict[Command, str]] = {
    "es": {Command.JOIN: "unirse", Command.BALANCE: "Saldo", Command.SAVE: "ahorro",
           Command.WHY: "¿Por qué?", Command.APPEAL: "apelación", Command.LANG: "idioma",
           Command.HELP: "AYÚDA", Command.STOP: "alto", Command.START: "inicio",
           Command.INCOME: "ingresos", Command.YES: "sí", Command.NO: "no",
           Command.VOTE: "votar",
           Command.DEPOSIT: "deposito",
           Command.SICK: "enferma", Command.BETTER: "mejor"},
    "pt-BR": {Command.JOIN: "entrar", Command.BALANCE: "saldo", Command.SAVE: "poupança",
              Command.WHY: "por quê", Command.APPEAL: "recurso", Command.LANG: "língua",
              Command.HELP: "ajuda", Command.STOP: "sair", Command.START: "voltar",
           Command.INCOME: "renda", Command.YES: "sim", Command.NO: "não",
           Command.VOTE: "votar",
           Command.DEPOSIT: "deposito",
           Command.SICK: "doente", Command.BETTER: "melhor"},
    "fr": {Command.JOIN: "adhérer", Command.BALANCE: "solde", Command.SAVE: "épargne",
           Command.WHY: "Pourquoi", Command.APPEAL: "recours", Command.LANG: "langue",
           Command.HELP: "aide", Command.STOP: "arrêt", Command.START: "reprendre",
           Command.INCOME: "revenu", Command.YES: "oui", Command.NO: "non",
           Command.VOTE: "voter",
           Command.DEPOSIT: "dépôt",
           Command.SICK: "malade", Command.BETTER: "guéri"},
    "ht": {Command.JOIN: "antre", Command.BALANCE: "balans", Command.SAVE: "ekonomi",
           Command.WHY: "poukisa", Command.APPEAL: "apèl", Command.LANG: "lang",
           Command.HELP: "èd", Command.STOP: "sispann", Command.START: "kòmanse",
           Command.INCOME: "revni", Command.YES: "wi", Command.NO: "non",
           Command.VOTE: "vot",
           Command.DEPOSIT: "depo",
           Command.SICK: "malad", Command.BETTER: "geri"},
    "fil": {Command.JOIN: "sali", Command.BALANCE: "balanse", Command.SAVE: "ipon",
            Command.WHY: "bakit", Command.APPEAL: "apela", Command.LANG: "wika",
            Command.HELP: "tulong", Command.STOP: "hinto", Command.START: "simula",
           Command.INCOME: "kita", Command.YES: "oo", Command.NO: "hindi",
           Command.VOTE: "boto",
           Command.DEPOSIT: "deposito",
           Command.SICK: "maysakit", Command.BETTER: "magaling"},
    "vi": {Command.JOIN: "tham gia", Command.BALANCE: "số dư", Command.SAVE: "tiết kiệm",
           Command.WHY: "tại sao", Command.APPEAL: "khiếu nại", Command.LANG: "ngôn ngữ",
           Command.HELP: "trợ giúp", Command.STOP: "hủy", Command.START: "bắt đầu",
           Command.INCOME: "thu nhập", Command.YES: "có", Command.NO: "không",
           Command.VOTE: "bỏ phiếu",
           Command.DEPOSIT: "tiền vào",
           Command.SICK: "ốm", Command.BETTER: "khỏe"},
    "zh-Hans": {Command.JOIN: "加入", Command.BALANCE: "余额", Command.SAVE: "存钱",
                Command.WHY: "为什么", Command.APPEAL: "申诉", Command.LANG: "语言",
                Command.HELP: "帮助", Command.STOP: "退订", Command.START: "开始",
           Command.INCOME: "收入", Command.YES: "是", Command.NO: "否",
           Command.VOTE: "投票",
           Command.DEPOSIT: "入账",
           Command.SICK: "病假", Command.BETTER: "康复"},
    "ar": {Command.JOIN: "انضم", Command.BALANCE: "الرصيد", Command.SAVE: "ادخار",
           Command.WHY: "لماذا", Command.APPEAL: "اعتراض", Command.LANG: "اللغة",
           Command.HELP: "مساعده", Command.STOP: "ايقاف", Command.START: "ابدا",
           Command.INCOME: "دخل", Command.YES: "نعم", Command.NO: "لا",
           Command.VOTE: "تصويت",
           Command.DEPOSIT: "ايداع",
           Command.SICK: "مريض", Command.BETTER: "تعافيت"},
    "hi": {Command.JOIN: "जुड़ें", Command.BALANCE: "बैलेंस", Command.SAVE: "बचत",
           Command.WHY: "क्यों", Command.APPEAL: "अपील", Command.LANG: "भाषा",
           Command.HELP: "मदद", Command.STOP: "बंद", Command.START: "शुरू",
           Command.INCOME: "आय", Command.YES: "हाँ", Command.NO: "नहीं",
           Command.VOTE: "वोट",
           Command.DEPOSIT: "जमा",
           Command.SICK: "बीमार", Command.BETTER: "स्वस्थ"},
    "bn": {Command.JOIN: "যোগ", Command.BALANCE: "ব্যালেন্স", Command.SAVE: "সঞ্চয়",
           Command.WHY: "কেন", Command.APPEAL: "আপিল", Command.LANG: "ভাষা",
           Command.HELP: "সাহায্য", Command.STOP: "বন্ধ", Command.START: "শুরু",
           Command.INCOME: "আয়", Command.YES: "হ্যাঁ", Command.NO: "না",
           Command.VOTE: "ভোট",
           Command.DEPOSIT: "জমা",
           Command.SICK: "অসুস্থ", Command.BETTER: "সুস্থ"},
    "sw": {Command.JOIN: "jiunge", Command.BALANCE: "salio", Command.SAVE: "akiba",
           Command.WHY: "kwa nini", Command.APPEAL: "rufaa", Command.LANG: "lugha",
           Command.HELP: "msaada", Command.STOP: "sitisha", Command.START: "anza",
           Command.INCOME: "mapato", Command.YES: "ndiyo", Command.NO: "hapana",
           Command.VOTE: "kura",
           Command.DEPOSIT: "amana",
           Command.SICK: "mgonjwa", Command.BETTER: "nimepona"},
}  # fmt: skip
CASES = [
    (language, command, word)
    for language, words in TYPED.items()
    for command, word in words.items()
]


def test_every_language_and_command_has_a_case() -> None:
    assert set(TYPED) | {"en"} == set(SUPPORTED_LANGUAGES)
    assert all(set(words) == set(Command) for words in TYPED.values())


@pytest.mark.parametrize(("language", "command", "word"), CASES)
def test_local_keywords_match_in_their_language_and_without_one(
    language: str, command: Command, word: str
) -> None:
    found = match_keyword(word, language)
    assert found is not None and found.command is command
    anywhere = match_keyword(word)
    assert anywhere is not None and anywhere.command is command


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("command", list(Command))
def test_english_keywords_work_in_every_language(language: str, command: Command) -> None:
    found = match_keyword(f"  {command.value.lower()}  ", language)
    assert found is not None and found.command is command and found.argument == ""


@pytest.mark.parametrize(
    ("text", "language", "command", "argument"),
    [
        ("JOIN ABC123", None, Command.JOIN, "ABC123"),
        ("join: abc123 ", "en", Command.JOIN, "abc123"),
        ("LANG es", None, Command.LANG, "es"),
        ("Idioma pt-BR", "es", Command.LANG, "pt-BR"),
        ("por   qué no me pagaron", "es", Command.WHY, "no me pagaron"),
        ("Unirse XK9", "es", Command.JOIN, "XK9"),
        ("加入ABC123", "zh-Hans", Command.JOIN, "ABC123"),
        ("申诉 D-42", None, Command.APPEAL, "D-42"),
        ("APPEAL D-42 my income was wrong", "fr", Command.APPEAL, "D-42 my income was wrong"),
        ("STOPALL", None, Command.STOP, ""),
        ("Tham gia  ABC", "vi", Command.JOIN, "ABC"),
        ("اعتراض D-42", "ar", Command.APPEAL, "D-42"),
    ],
)
def test_keyword_and_the_rest_of_the_message(
    text: str, language: str | None, command: Command, argument: str
) -> None:
    found = match_keyword(text, language)
    assert found is not None
    assert (found.command, found.argument) == (command, argument)


@pytest.mark.parametrize(
    "text", ["", "hello", "HELPME", "stopped", "balances", "1234", "JOINT", "যোগাযোগ", "बंदर", "कमाई"]
)
def test_other_messages_are_not_keywords(text: str) -> None:
    assert match_keyword(text) is None
    assert match_keyword(text, "en") is None


def test_no_word_means_two_commands_across_languages() -> None:
    seen: dict[str, tuple[str, Command]] = {}
    for language in SUPPORTED_LANGUAGES:
        for word, command in local_words(language).items():
            other = seen.setdefault(word, (language, command))
            assert other[1] is command, f"{word!r}: {other} vs {(language, command)}"


def _first_word(command: Command, language: str) -> str:
    return translate(KEYWORDS[command], language).split(",")[0].strip()


def _folded_in(word: str, text: str) -> bool:
    return normalize(word)[0] in normalize(text)[0]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_messages_name_the_keywords_the_catalog_understands(language: str) -> None:
    """The words a message tells workers to text are words Mutua recognises."""
    help_text = render_sms("sms.help", language, support="x").text
    for command in (Command.BALANCE, Command.SAVE, Command.WHY, Command.APPEAL, Command.STOP):
        assert _folded_in(_first_word(command, language), help_text), (language, command)
    stopped = render_sms("sms.stopped", language).text
    assert _folded_in(_first_word(Command.START, language), stopped)
    started = render_sms("sms.started", language).text
    assert _folded_in(_first_word(Command.HELP, language), started)
    assert _folded_in(_first_word(Command.STOP, language), started)
    unknown = render_sms("sms.unknown_command", language).text
    assert _folded_in(_first_word(Command.HELP, language), unknown)
    changed = render_sms("account.language_changed", language).text
    assert _folded_in(_first_word(Command.LANG, language), changed)


@pytest.mark.parametrize("language", [tag for tag, lang in LANGUAGES.items() if lang.gsm7])
def test_capitalised_words_in_latin_messages_are_keywords(language: str) -> None:
    templates = ("sms.help", "sms.stopped", "sms.started", "sms.unknown_command")
    for template in (*templates, "account.language_changed", "pool.welcome"):
        values = {"support": "x"} if template == "sms.help" else {}
        values = {"pool_name": "x"} if template == "pool.welcome" else values
        text = render_sms(template, language, **values).text
        for word in re.findall(r"\b[A-ZÀ-Ý]{3,}(?: [A-Z]{2,})?\b", text):
            if word in {"SMS"}:
                continue
            assert match_keyword(word, language) is not None, (language, template, word)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("es", "es"),
        ("pt-br", "pt-BR"),
        ("Español", "es"),
        ("espanol", "es"),
        ("KREYOL", "ht"),
        ("kreyòl", "ht"),
        ("tagalog", "fil"),
        ("Tiếng Việt", "vi"),
        ("tieng viet", "vi"),
        ("中文", "zh-Hans"),
        ("العربية", "ar"),
        ("हिंदी", "hi"),
        ("বাংলা", "bn"),
        ("Kiswahili", "sw"),
        ("francés", "fr"),
        ("Portuguese", "pt-BR"),
    ],
)
def test_lang_takes_a_code_or_a_name_in_any_language(text: str, expected: str) -> None:
    assert parse_language_choice(text) == expected


@pytest.mark.parametrize("text", ["", "deutsch", "klingon", "zh-TW"])
def test_lang_refuses_what_it_cannot_serve(text: str) -> None:
    with pytest.raises(UnsupportedLanguage):
        parse_language_choice(text)
