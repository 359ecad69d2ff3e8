"""Every list the API returns comes in pages of the same shape.

`{"items": [...], "next_cursor": "..." | null}`, asked for with `?limit=` (1 to
`MAX_LIMIT`, `DEFAULT_LIMIT` if left out) and `?cursor=` (the `next_cursor` of the page
before). A list that grows without bound (income lines, transfers) would otherwise be
read, encoded and sent whole on every call: 50,000 imported lines made an 8 MB answer
that held the event loop for seconds.

Pages are keyset pages, not offsets: the cursor holds the sort key of the last item sent,
and the next page starts after it, so rows added meanwhile neither shift nor repeat items.
A cursor is opaque to clients (base64 of a small JSON array) and names the list it came
from; one that was altered, or comes from another list, is refused as `invalid-cursor`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")
Row = TypeVar("Row")

PageLimit = Annotated[
    int,
    QueryParameter(
        name="limit", ge=1, le=MAX_LIMIT, description=f"items per page, 1 to {MAX_LIMIT}"
    ),
]
PageCursor = Annotated[
    str | None,
    QueryParameter(
        name="cursor",
        min_length=1,
        max_length=400,
        pattern=r"^[^\x00-\x1f\x7f-\x9f]*$",
        description="the `next_cursor` of the previous page",
    ),
]


class Page(msgspec.Struct, Generic[T], kw_only=True):
    items: list[T]
    next_cursor: str | None
    """Pass as `?cursor=` for the next page; null on the last page."""


class InvalidCursor(ValidationFailed):
    slug = "invalid-cursor"
    title = "The page cursor is not valid"

    def __init__(self) -> None:
        super().__init__("pass back the next_cursor of a page of this list, unchanged")


def encode_cursor(kind: str, key: Sequence[str]) -> str:
    raw = msgspec.json.encode([kind, *key])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(
    cursor: str | None, kind: str, parsers: Sequence[Callable[[str], Any]]
) -> tuple[Any, ...] | None:
    """The sort key held by a cursor of list `kind`, each part read by its parser (`str`,
    `uuid.UUID`, `datetime.fromisoformat`); None when there is no cursor."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = msgspec.json.decode(raw)
        if (
            not isinstance(values, list)
            or len(values) != len(parsers) + 1
            or values[0] != kind
            or not all(isinstance(value, str) for value in values)
        ):
            raise InvalidCursor()
        return tuple(parse(value) for parse, value in zip(parsers, values[1:], strict=True))
    except (binascii.Error, ValueError, TypeError, msgspec.DecodeError, ValidationFailed):
        raise InvalidCursor() from None


def aware_datetime(text: str) -> datetime:
    """A cursor's timestamp: ISO 8601 with its offset (a naive one names no instant)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a cursor's time carries its offset")
    return moment


def page_of(
    rows: Sequence[Row],
    limit: int,
    kind: str,
    key: Callable[[Row], Sequence[str]],
    item: Callable[[Row], T],
) -> Page[T]:
    """A page from up to `limit + 1` rows in order: the extra row only says more exist."""
    shown = rows[:limit]
    more = len(rows) > limit and bool(shown)
    return Page(
        items=[item(row) for row in shown],
        next_cursor=encode_cursor(kind, key(shown[-1])) if more else None,
    )
