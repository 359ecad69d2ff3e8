"""Exceptions as log text that names where and what failed, never whose data it was.

A database error's message quotes the values it choked on (asyncpg: `invalid input for
query argument $1: '+14155550100'`), and SQLAlchemy appends the bound parameters: phone
numbers, emails, message bodies, sign-in codes. Logs are kept long and read widely, so
for errors of the database layer only the SQL statement (its placeholders, not its
values) and the SQLSTATE are written; the frames of the traceback are kept whole, and so
are the messages of every other exception.
"""

from __future__ import annotations

import traceback

_DATABASE_MODULES = ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3")


def _from_database(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in _DATABASE_MODULES


def _summary(exc: BaseException) -> str:
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if not _from_database(exc):
        return f"{name}: {exc}"
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    statement = getattr(exc, "statement", None)
    parts = [name, f"(SQLSTATE {code})" if code else "", "[message withheld: it may quote data]"]
    if statement:
        parts.append(f"in: {' '.join(str(statement).split())}")
    return " ".join(part for part in parts if part)


def loggable(exc: BaseException) -> str:
    """The traceback of `exc` and its causes, with database errors' messages withheld."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    chain: list[BaseException] = []
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    for index, error in enumerate(reversed(chain)):
        if index:
            lines.append("which led to:")
        frames = traceback.extract_tb(error.__traceback__)
        lines.extend(line.rstrip("\n") for line in traceback.format_list(frames))
        lines.append(_summary(error))
    return "\n".join(lines)
