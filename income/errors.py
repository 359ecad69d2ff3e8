"""Errors of income import, each with a stable problem `type` slug.

Clients branch on the slug and on the `extra` fields (`reason`, `line`, `known`), never on
`detail`, which is developer-facing English and free to improve.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import Conflict, ValidationFailed

_ECHO_LIMIT = 40
"""Longest piece of user input repeated back in an error, so a huge field stays out of logs."""


def echo(value: str) -> str:
    """User input shortened for an error message."""
    return value if len(value) <= _ECHO_LIMIT else value[: _ECHO_LIMIT - 1] + "…"


class UnknownPlatform(ValidationFailed):
    """The platform is not one Mutua models; `extra.known` lists the accepted names."""

    slug = "unknown-platform"
    title = "The platform is not a known one"

    def __init__(self, value: object, known: Sequence[str]) -> None:
        shown = echo(value) if isinstance(value, str) else repr(value)
        super().__init__(
            f"{shown!r} is not a known platform; use one of: {', '.join(known)}",
            platform=shown,
            known=list(known),
        )


class CsvRejected(ValidationFailed):
    """A CSV statement was refused as a whole; nothing from it was written.

    `extra.line` is the 1-based physical line of the file the problem is on (None when the
    problem is the file as a whole, such as its size), `extra.reason` a stable code such as
    `invalid-date` or `negative-amount`, and `extra.column` the column when one is at fault.
    """

    slug = "invalid-csv"
    title = "The CSV statement was rejected"

    def __init__(
        self, detail: str, *, line: int | None, reason: str, column: str | None = None
    ) -> None:
        extra: dict[str, object] = {"line": line, "reason": reason}
        if column is not None:
            extra["column"] = column
        where = f"line {line}: " if line is not None else ""
        super().__init__(where + detail, **extra)
        self.line = line
        self.reason = reason
        self.column = column


class InvalidPeriodRange(ValidationFailed):
    """A month range whose start comes after its end."""

    slug = "invalid-period-range"
    title = "The month range is not valid"


class CurrencyNotInPools(ValidationFailed):
    """Income in a currency none of the worker's pools uses; `extra.currencies` lists theirs."""

    slug = "currency-not-in-pools"
    title = "The currency is not one your pools use"


class CurrencyRequired(ValidationFailed):
    """A statement whose currency cannot be known without asking (`extra.currencies`)."""

    slug = "currency-required"
    title = "Say which currency the statement is in"


class IncomeRecordNotEditable(Conflict):
    """An imported record: its source owns it (see `income.service.correct_manual`)."""

    slug = "income-record-not-editable"
    title = "This income was imported and cannot be changed here"
