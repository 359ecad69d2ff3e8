"""CSV statements: every accepted shape parses exactly, every bad line names itself."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import UnknownCurrency
from income.csv_statement import MAX_BYTES, MAX_ROWS, parse_statement
from income.errors import CsvRejected

TODAY = date(2026, 11, 25)
HEADER = "date,platform,amount\n"


def parse(text: str | bytes, currency: str = "USD") -> list[tuple[int, str, str, int]]:
    data = text.encode() if isinstance(text, str) else text
    lines = parse_statement(data, currency=currency, today=TODAY)
    return [(x.line, x.earned_on.isoformat(), x.platform, x.amount_minor) for x in lines]


def test_a_good_statement() -> None:
    text = (
        "\ufeff Amount , DATE,Platform\r\n"
        '"1,234.56",2026-01-02,Uber Eats\r\n'
        "\r\n"
        "0,2026-01-03, lyft \r\n"
        ",,\r\n"
        "12.5,2026-11-25,door dash\r\n"
    )
    assert parse(text) == [
        (2, "2026-01-02", "ubereats", 123456),
        (4, "2026-01-03", "lyft", 0),
        (6, "2026-11-25", "doordash", 1250),
    ]


@pytest.mark.parametrize(
    ("currency", "amount", "minor"),
    [("USD", "10", 1000), ("JPY", "1500", 1500), ("KWD", "1.005", 1005), ("usd", "7.10", 710)],
)
def test_amounts_follow_the_currency(currency: str, amount: str, minor: int) -> None:
    assert parse(f"{HEADER}2026-01-02,uber,{amount}\n", currency)[0][3] == minor


def test_identical_lines_get_distinct_ids_stable_across_parses() -> None:
    text = f"{HEADER}2026-01-02,uber,10.00\n2026-01-02,Uber,10\n2026-01-02,uber,10.00\n"
    first = parse_statement(text.encode(), currency="USD", today=TODAY)
    again = parse_statement(text.encode(), currency="USD", today=TODAY)
    ids = [line.external_id for line in first]
    assert len(set(ids)) == 3
    assert ids == [line.external_id for line in again]


def test_a_longer_statement_keeps_the_ids_of_the_lines_it_shares() -> None:
    short = f"{HEADER}2026-01-02,uber,10.00\n"
    longer = f"{HEADER}2026-01-01,lyft,3.00\n2026-01-02,uber,10.00\n2026-01-02,uber,10.00\n"
    first = {x.external_id for x in parse_statement(short.encode(), currency="USD", today=TODAY)}
    second = {x.external_id for x in parse_statement(longer.encode(), currency="USD", today=TODAY)}
    assert first < second
    assert len(second) == 3


# (file text, expected line, reason, column)
BAD_FILES: list[tuple[str, bytes | str, int | None, str, str | None]] = [
    (
        "negative",
        f"{HEADER}2026-01-02,uber,1\n2026-01-03,uber,-1.00\n",
        3,
        "negative-amount",
        "amount",
    ),
    ("accounting negative", f"{HEADER}2026-01-02,uber,(1.00)\n", 2, "negative-amount", "amount"),
    ("not a number", f"{HEADER}2026-01-02,uber,abc\n", 2, "invalid-amount", "amount"),
    ("decimal comma", f'{HEADER}2026-01-02,uber,"12,50"\n', 2, "invalid-amount", "amount"),
    ("currency symbol", f"{HEADER}2026-01-02,uber,$12.00\n", 2, "invalid-amount", "amount"),
    ("exponent", f"{HEADER}2026-01-02,uber,1e3\n", 2, "invalid-amount", "amount"),
    ("non-ASCII digits", f"{HEADER}2026-01-02,uber,١٢٣\n", 2, "invalid-amount", "amount"),
    ("bad thousands", f'{HEADER}2026-01-02,uber,"1,23,456"\n', 2, "invalid-amount", "amount"),
    ("plus sign", f"{HEADER}2026-01-02,uber,+1\n", 2, "invalid-amount", "amount"),
    ("too many decimals", f"{HEADER}2026-01-02,uber,1.005\n", 2, "too-many-decimals", "amount"),
    (
        "out of range",
        f"{HEADER}2026-01-02,uber,10000000000000.01\n",
        2,
        "amount-out-of-range",
        "amount",
    ),
    (
        "a month above the ceiling",
        f"{HEADER}2026-01-02,uber,60000\n2026-02-02,uber,60000\n2026-01-30,uber,40000.01\n",
        4,
        "above-monthly-ceiling",
        "amount",
    ),
    ("empty amount", f"{HEADER}2026-01-02,uber, \n", 2, "missing-value", "amount"),
    ("empty date", f"{HEADER},uber,1\n", 2, "missing-value", "date"),
    ("empty platform", f"{HEADER}2026-01-02,,1\n", 2, "missing-value", "platform"),
    ("month 13", f"{HEADER}2026-13-01,uber,1\n", 2, "invalid-date", "date"),
    ("february 30", f"{HEADER}2026-02-30,uber,1\n", 2, "invalid-date", "date"),
    ("slashes", f"{HEADER}2026/01/02,uber,1\n", 2, "invalid-date", "date"),
    ("compact date", f"{HEADER}20260102,uber,1\n", 2, "invalid-date", "date"),
    ("US date", f"{HEADER}01/02/2026,uber,1\n", 2, "invalid-date", "date"),
    ("before 1970", f"{HEADER}1969-12-31,uber,1\n", 2, "invalid-date", "date"),
    ("tomorrow", f"{HEADER}2026-11-25,uber,1\n2026-11-26,uber,1\n", 3, "future-date", "date"),
    ("unknown platform", f"{HEADER}2026-01-02,Deliveroo,1\n", 2, "unknown-platform", "platform"),
    ("too few fields", f"{HEADER}2026-01-02,uber\n", 2, "wrong-field-count", None),
    ("too many fields", f"{HEADER}2026-01-02,uber,1,x\n", 2, "wrong-field-count", None),
    ("blank lines count", f"{HEADER}\n\n2026-01-02,uber,x\n", 4, "invalid-amount", "amount"),
    (
        "quoted newline",
        f'{HEADER}2026-01-02,"uber\nx",1\n2026-01-02,uber,x\n',
        2,
        "unknown-platform",
        "platform",
    ),
    (
        "after a quoted newline",
        f'{HEADER}2026-01-02,uber,"1\n"\n2026-01-02,uber,x\n',
        4,
        "invalid-amount",
        "amount",
    ),
    ("unclosed quote", f'{HEADER}2026-01-02,"uber,1\n', 2, "malformed", None),
    ("stray quote", f'{HEADER}2026-01-02,uber,1\n2026-01-02,"uber"x,1\n', 3, "malformed", None),
    ("empty file", b"", 1, "empty-file", None),
    ("only blank lines", "\n \n", 1, "empty-file", None),
    ("header only", HEADER, 1, "no-rows", None),
    ("missing column", "date,amount\n2026-01-02,1\n", 1, "missing-column", "platform"),
    (
        "extra column",
        "date,platform,amount,currency\n2026-01-02,uber,1,USD\n",
        1,
        "unexpected-column",
        "currency",
    ),
    ("duplicate column", "date,platform,amount,date\n", 1, "duplicate-column", "date"),
    ("not UTF-8", HEADER.encode() + b"2026-01-02,uber,1\n2026-01-02,\xe9,1\n", 3, "encoding", None),
    ("UTF-16", HEADER.encode("utf-16"), 1, "encoding", None),
    (
        "too large",
        HEADER.encode() + b"2026-01-02,uber,1\n" * (MAX_BYTES // 17),
        None,
        "too-large",
        None,
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "reason", "column"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_bad_line_rejects_the_file(
    text: str | bytes, line: int | None, reason: str, column: str | None
) -> None:
    with pytest.raises(CsvRejected) as caught:
        parse(text)
    error = caught.value
    assert (error.extra["line"], error.extra["reason"], error.extra.get("column")) == (
        line,
        reason,
        column,
    )
    assert error.slug == "invalid-csv"
    assert error.status == 422


def test_too_many_decimals_for_a_currency_without_cents() -> None:
    with pytest.raises(CsvRejected) as caught:
        parse(f"{HEADER}2026-01-02,uber,100.5\n", "JPY")
    assert caught.value.reason == "too-many-decimals"
    assert parse(f"{HEADER}2026-01-02,uber,100.00\n", "JPY")[0][3] == 100


def test_the_monthly_ceiling_is_of_about_the_same_worth_in_every_currency() -> None:
    # 100,000 dollars' worth on one platform in one month, and not a unit more.
    for currency, ceiling in (("USD", "100000.00"), ("JPY", "15000000"), ("KWD", "31000.000")):
        assert parse(f"{HEADER}2026-01-02,uber,{ceiling}\n", currency)
        with pytest.raises(CsvRejected) as caught:
            parse(f"{HEADER}2026-01-02,uber,{ceiling}\n2026-01-03,uber,1\n", currency)
        assert (caught.value.line, caught.value.reason) == (3, "above-monthly-ceiling")
    # Other platforms and other months have ceilings of their own.
    assert parse(f"{HEADER}2026-01-02,uber,100000\n2026-01-02,lyft,100000\n")


def test_row_limit() -> None:
    at_limit = HEADER + "2026-01-02,uber,1\n" * MAX_ROWS
    assert len(parse(at_limit)) == MAX_ROWS
    with pytest.raises(CsvRejected) as caught:
        parse(at_limit + "2026-01-02,uber,1\n")
    assert (caught.value.line, caught.value.reason) == (MAX_ROWS + 2, "too-many-rows")


def test_the_first_bad_line_is_reported() -> None:
    with pytest.raises(CsvRejected) as caught:
        parse(f"{HEADER}2026-01-02,uber,1\n2026-01-02,uber,-1\n2026-01-02,nope,1\n")
    assert caught.value.line == 3


def test_unknown_currency_is_refused_before_reading() -> None:
    with pytest.raises(UnknownCurrency):
        parse(f"{HEADER}2026-01-02,uber,1\n", "ZZZ")


def test_today_defaults_to_the_latest_date_on_earth() -> None:
    # No explicit `today`: a line dated today in UTC is never in the future.
    today_utc = date.today().isoformat()
    lines = parse_statement(f"{HEADER}{today_utc},uber,1\n".encode(), currency="USD")
    assert len(lines) == 1
    with pytest.raises(CsvRejected):
        parse_statement(b"date,platform,amount\n2999-01-01,uber,1\n", currency="USD")
