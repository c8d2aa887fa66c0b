"""The two list shapes every endpoint answers, and the bounded parameter types they take.

``Page[T]`` is offset paging (``items``, ``limit``, ``offset``, ``next_offset`` null on the
last page, ``total`` where counting is cheap); ``CursorPage[T]`` is keyset paging for lists
that grow at the head (messages, ratings): ``items`` and ``next_cursor``. Services fetch
``limit + 1`` rows and hand them to :func:`page_of` / :func:`cursor_page_of`, so knowing whether
more exist costs no second query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from starlette.convertors import Convertor, register_url_convertor

T = TypeVar("T")

# Integer primary keys are 32-bit on PostgreSQL (SERIAL / INTEGER identity): a bigger id can
# never exist, and sending it to the database would be an error rather than "not found".
MAX_ID = 2**31 - 1
MAX_LIMIT = 100
DEFAULT_LIMIT = 20

#: An integer id of a row, bounded to the column range (body and schema fields).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: The same bound for path parameters.
PathId = Annotated[int, Field(ge=1, le=MAX_ID, description="Integer id of the resource.")]
#: Page size of a list endpoint.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1-{MAX_LIMIT}).")]
#: Offset of a list endpoint's page.
Offset = Annotated[
    int, Query(ge=0, le=MAX_ID, description="Items to skip; pass the previous `next_offset`.")
]
#: Keyset cursor of a list endpoint's page.
Cursor = Annotated[
    int | None,
    Query(ge=1, le=MAX_ID, description="The `next_cursor` of the previous page."),
]


class DigitsConvertor(Convertor[str]):
    """A path segment of digits, kept as text so the route's ``PathId`` bounds it (422).

    ``{name:digits}`` lets a static sibling path (``/applications/stats``) answer 405 to the
    methods it lacks instead of being taken for an id that fails validation.
    """

    regex = "[0-9]+"

    def convert(self, value: str) -> str:
        """The segment as it came."""
        return value

    def to_string(self, value: str) -> str:
        """The segment as given."""
        return str(value)


register_url_convertor("digits", DigitsConvertor())


class Page(BaseModel, Generic[T]):
    """One page of an offset-paged list; ``next_offset`` is null on the last page."""

    items: list[T]
    limit: int = Field(description="The page size asked for.")
    offset: int = Field(description="How many items were skipped.")
    next_offset: int | None = Field(
        default=None, description="Offset of the next page; null on the last."
    )
    total: int | None = Field(
        default=None, description="How many items the whole list holds, where cheap to count."
    )


class CursorPage(BaseModel, Generic[T]):
    """One page of a keyset-paged list; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[T]
    next_cursor: int | None = Field(
        default=None, description="Cursor of the next page; null on the last."
    )


def page_of(rows: Sequence[T], *, limit: int, offset: int, total: int | None = None) -> Page[T]:
    """A page from up to ``limit + 1`` fetched rows (the extra row only says more exist)."""
    more = len(rows) > limit
    return Page[T](
        items=list(rows[:limit]),
        limit=limit,
        offset=offset,
        next_offset=offset + limit if more else None,
        total=total,
    )


def cursor_page_of(
    rows: Sequence[T], *, limit: int, cursor_of: Callable[[T], int]
) -> CursorPage[T]:
    """A keyset page from up to ``limit + 1`` fetched rows; the cursor is the last item's key."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return CursorPage[T](items=items, next_cursor=cursor_of(items[-1]) if more and items else None)
