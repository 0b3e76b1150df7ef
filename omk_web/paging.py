"""The two query parameters of every list: a page of `limit` items after skipping `offset`.

A module of its own (no routes imported): the API controllers and the shared filters both use it.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

#: every list endpoint takes these two and answers with `total` beside the items
Limit = Annotated[int, QueryParameter(ge=1, le=1000, description="Сколько записей вернуть (1…1000)")]
#: bounded: a database cannot skip more rows than a 64-bit integer (SQLite overflowed into a 500)
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000_000, description="Сколько записей пропустить")]
