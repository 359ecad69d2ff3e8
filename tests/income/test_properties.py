"""Property: any statement of valid lines round-trips exactly, to the minor unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from core.money import minor_digits
from income.csv_statement import parse_statement
from income.errors import CsvRejected
from income.limits import monthly_ceiling_minor
from income.service import import_csv, list_income
from tests.income.conftest import make_worker

TODAY = date(2026, 11, 25)
SPELLINGS = {
    "uber": ["uber", "Uber", " UBER "],
    "ubereats": ["Uber Eats", "uber_eats", "UberEats"],
    "doordash": ["Door Dash", "doordash"],
    "taskrabbit": ["Task Rabbit", "taskrabbit"],
    "etsy": ["etsy"],
    "other": ["Other"],
}


@dataclass(frozen=True)
class Line:
    earned_on: date
    platform: str
    spelling: str
    amount_minor: int


@st.composite
def amount_text(draw: st.DrawFn, minor: int, digits: int) -> str:
    """One of the ways a statement may write `minor` minor units."""
    units, fraction = divmod(minor, 10**digits)
    text = f"{units:,}" if draw(st.booleans()) else str(units)
    if digits and (fraction or draw(st.booleans())):
        decimals = f"{fraction:0{digits}d}"
        if draw(st.booleans()):  # "12.5" as well as "12.50"
            decimals = decimals.rstrip("0") or "0"
        text = f"{text}.{decimals}"
    return f'"{text}"' if "," in text else text


@st.composite
def statements(draw: st.DrawFn) -> tuple[str, bytes, list[Line]]:
    currency = draw(st.sampled_from(["USD", "JPY", "KWD", "EUR"]))
    digits = minor_digits(currency)
    largest = monthly_ceiling_minor(currency) // 40  # 40 lines in one month stay valid
    lines = draw(
        st.lists(
            st.builds(
                lambda day, platform, minor, pick: Line(
                    day, platform, pick(SPELLINGS[platform]), minor
                ),
                st.dates(date(1970, 1, 1), TODAY),
                st.sampled_from(sorted(SPELLINGS)),
                st.one_of(st.integers(0, min(10**7, largest)), st.integers(0, largest)),
                st.just(lambda options: options[0]) | st.just(lambda options: options[-1]),
            ),
            min_size=1,
            max_size=40,
        )
    )
    columns = draw(st.permutations(["date", "platform", "amount"]))
    header = ",".join(draw(st.sampled_from([c, c.upper(), f" {c.title()} "])) for c in columns)
    end = draw(st.sampled_from(["\n", "\r\n"]))
    out = [header]
    for line in lines:
        fields = {
            "date": line.earned_on.isoformat(),
            "platform": line.spelling,
            "amount": draw(amount_text(line.amount_minor, digits)),
        }
        out.append(",".join(fields[c] for c in columns))
        if draw(st.integers(0, 9)) == 0:
            out.append("")
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return currency, bom + (end.join(out) + end).encode(), lines


@given(statements())
@settings(max_examples=300, deadline=None)
def test_valid_lines_parse_exactly(statement: tuple[str, bytes, list[Line]]) -> None:
    currency, data, lines = statement
    parsed = parse_statement(data, currency=currency, today=TODAY)
    assert [(x.earned_on, x.platform, x.amount_minor) for x in parsed] == [
        (line.earned_on, line.platform, line.amount_minor) for line in lines
    ]
    assert len({x.external_id for x in parsed}) == len(lines)


@given(statement=statements())
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
async def test_an_import_preserves_every_minor_unit(
    session: AsyncSession, statement: tuple[str, bytes, list[Line]]
) -> None:
    currency, data, lines = statement
    worker_id = await make_worker(session)
    result = await import_csv(session, worker_id, data, currency=currency, today=TODAY)
    assert (result.rows, result.added, result.duplicates) == (len(lines), len(lines), 0)
    again = await import_csv(session, worker_id, data, currency=currency, today=TODAY)
    assert again.added == 0
    summary = await list_income(session, worker_id, from_period=None, to_period=None)
    expected = sum(line.amount_minor for line in lines)
    assert sorted(r.amount_minor for r in summary.records) == sorted(
        line.amount_minor for line in lines
    )
    assert [(t.currency, t.amount_minor) for t in summary.totals] == [(currency, expected)]
    assert sum(m.amount_minor for m in summary.by_month) == expected


@given(statement=statements(), data=st.data())
@settings(max_examples=200, deadline=None)
def test_one_bad_line_anywhere_is_reported_at_its_line(
    statement: tuple[str, bytes, list[Line]], data: st.DataObject
) -> None:
    currency, raw, _ = statement
    text = raw.decode("utf-8-sig")
    end = "\r\n" if "\r\n" in text else "\n"
    physical = text.split(end)[:-1]
    position = data.draw(st.integers(1, len(physical)), label="position")
    bad, reason = data.draw(
        st.sampled_from([("not,a,row", "invalid-date"), ("2026-01-01,uber", "wrong-field-count")])
    )
    physical.insert(position, bad)
    with pytest.raises(CsvRejected) as caught:
        parse_statement((end.join(physical) + end).encode(), currency=currency, today=TODAY)
    assert (caught.value.line, caught.value.reason) == (position + 1, reason)
