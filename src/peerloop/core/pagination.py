"""Paging limits shared by every list operation of the API.

Modules paginate with django-ninja's ``LimitOffsetPagination``; its ``limit`` is
capped at 100 by ``NINJA_PAGINATION_MAX_LIMIT``, but its ``offset`` has no upper
bound, and an offset past the database's integer range fails inside the database
(SQLite: "datatype mismatch"). :func:`cap_offset` gives the paginator's input an
upper bound, so such an offset is a 422 naming the parameter, and documents it in
the OpenAPI schema. It runs from ``CoreConfig.ready``, before any router exists.
"""

from ninja import Field
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 1_000_000_000


class LimitOffsetInput(LimitOffsetPagination.Input):  # type: ignore[name-defined]
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def cap_offset() -> None:
    LimitOffsetPagination.Input = LimitOffsetInput  # type: ignore[misc]
