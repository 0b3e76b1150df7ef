"""Lot search in the application's own SQL database: SQLite (an inverted index of Snowball stems)
or PostgreSQL (full-text search with the `russian` configuration over a GIN index).

Both keep the same `lot_search` rows (filter values, folded text) and share filtering, ordering,
paging and facet counting; only matching the free text differs. Each call is its own short
transaction on the engine, independent of the caller's unit of work.

Why not SQLite FTS5: its tokenizers have no Russian stemming and do not fold «ё» (we would feed it
Snowball stems anyway), and its virtual and shadow tables cannot be described in `tables.py`, whose
schema the migrations must produce exactly. A plain table of (term, lot) pairs with a primary key
on both is the same inverted index, transactional with everything else and indexed by B-trees.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import sqlalchemy as sa

from omk_adapters.search.analysis import term_clauses, terms
from omk_adapters.sql import tables as t
from omk_adapters.sql.engine import MAX_OVERFLOW, POOL_SIZE, SQLITE_BUSY_TIMEOUT_S
from omk_domain.auctions.values import AuctionStatus
from omk_domain.search import (
    FACETS,
    LotDocument,
    LotQuery,
    LotSearchResult,
    SearchScope,
    SortOrder,
    TextClause,
    key_of,
    words_of,
)
from omk_domain.search.document import FACET_LIMIT, merge_facets

_BATCH = 1000
ALL_STATUSES = frozenset(AuctionStatus)
RUSSIAN = sa.literal_column("'russian'::regconfig")
#: what free text is searched in (lot_search, or it joined with the matches), the condition on it,
#: and the relevance of a row
TextMatch = tuple[sa.FromClause, sa.ColumnElement[bool] | None, sa.ColumnElement[Any]]
ls = t.lot_search.c
tm = t.lot_search_terms.c


def _row(doc: LotDocument) -> dict[str, Any]:
    return {"lot_id": doc.lot_id, "auction_id": doc.auction_id, "auction_number": doc.auction_number,
            "auction_status": doc.auction_status.value, "lot_number": doc.lot_number,
            "lot_status": doc.lot_status.value, "title": doc.title,
            "product_type": doc.product_type, "product_type_key": key_of(doc.product_type),
            "diameter_mm": doc.diameter_mm, "wall_mm": doc.wall_mm,
            "steel_grade": doc.steel_grade, "steel_grade_key": key_of(doc.steel_grade),
            "standard": doc.standard, "standard_key": key_of(doc.standard),
            "warehouse": doc.warehouse, "warehouse_key": key_of(doc.warehouse),
            # the words the embedded indexes see, so PostgreSQL's parser splits no differently
            "start_price": doc.start_price, "body": " ".join(words_of(doc.text))}


def _batches(items: Iterable[LotDocument]) -> Iterator[list[LotDocument]]:
    iterator = iter(items)
    while batch := list(islice(iterator, _BATCH)):
        yield batch


class _SqlLotSearch:
    """What both SQL flavours share; subclasses say how free text matches and ranks.

    Writes go through `engine`; searches through `reader` (the same engine unless given).
    """

    def __init__(self, engine: sa.Engine, reader: sa.Engine | None = None) -> None:
        self.engine = engine
        self.reader = reader or engine

    def close(self) -> None:
        """Let go of the reader's connections when it is an engine of its own."""
        if self.reader is not self.engine:
            self.reader.dispose()

    # --- writing ----------------------------------------------------------------------------
    def _write(self, conn: sa.Connection, documents: Sequence[LotDocument]) -> None:
        if documents:
            conn.execute(sa.insert(t.lot_search), [_row(d) for d in documents])

    def _delete(self, conn: sa.Connection, lot_ids: Sequence[str]) -> None:
        for start in range(0, len(lot_ids), _BATCH):
            conn.execute(sa.delete(t.lot_search).where(ls.lot_id.in_(lot_ids[start:start + _BATCH])))

    def index(self, documents: Sequence[LotDocument]) -> None:
        latest = list({d.lot_id: d for d in documents}.values())
        with self.engine.begin() as conn:
            self._delete(conn, [d.lot_id for d in latest])
            self._write(conn, latest)

    def remove(self, lot_ids: Sequence[str]) -> None:
        with self.engine.begin() as conn:
            self._delete(conn, list(lot_ids))

    def replace_all(self, documents: Iterable[LotDocument]) -> int:
        with self.engine.begin() as conn:
            self._clear(conn)
            seen: set[str] = set()
            for batch in _batches(documents):
                fresh = [d for d in {d.lot_id: d for d in batch}.values() if d.lot_id not in seen]
                seen.update(d.lot_id for d in fresh)
                self._write(conn, fresh)
            return len(seen)

    def _clear(self, conn: sa.Connection) -> None:
        conn.execute(sa.delete(t.lot_search))

    def count(self) -> int:
        with self.reader.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.lot_search)).scalar_one())

    # --- reading ----------------------------------------------------------------------------
    def _text(self, query: LotQuery) -> TextMatch | None:
        """How the text is matched (see TextMatch); None when it can match nothing."""
        raise NotImplementedError

    def _conditions(self, query: LotQuery, scope: SearchScope) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if scope.auction_statuses != ALL_STATUSES:
            where.append(ls.auction_status.in_(sorted(s.value for s in scope.auction_statuses)))
        if scope.auction_ids is not None:
            where.append(ls.auction_id.in_(sorted(scope.auction_ids)))
        if query.auction_id is not None:
            where.append(ls.auction_id == query.auction_id)
        if query.lot_status is not None:
            where.append(ls.lot_status == query.lot_status.value)
        if query.auction_status is not None:
            where.append(ls.auction_status == query.auction_status.value)
        for field, key in query.keys().items():
            where.append(t.lot_search.c[f"{field}_key"] == key)
        for column, size in ((ls.diameter_mm, query.diameter), (ls.wall_mm, query.wall)):
            if size.low is not None:
                where.append(column >= size.low)
            if size.high is not None:
                where.append(column <= size.high)
        return where

    def _ordering(self, query: LotQuery, relevance: sa.ColumnElement[Any] | None) -> list[Any]:
        tail = [self._code_point_order(ls.auction_number), ls.lot_number, self._code_point_order(ls.lot_id)]
        sort = query.sort
        if sort is SortOrder.RELEVANCE and relevance is not None:
            return [relevance.desc(), *tail]
        if sort in (SortOrder.DIAMETER, SortOrder.DIAMETER_DESC):
            size = ls.diameter_mm if sort is SortOrder.DIAMETER else ls.diameter_mm.desc()
            return [ls.diameter_mm.is_(None), size, *tail]
        if sort in (SortOrder.START_PRICE, SortOrder.START_PRICE_DESC):
            return [ls.start_price if sort is SortOrder.START_PRICE else ls.start_price.desc(), *tail]
        return tail

    def _code_point_order(self, column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        return column

    def search(self, query: LotQuery, scope: SearchScope) -> LotSearchResult:
        where = self._conditions(query, scope)
        source: sa.FromClause = t.lot_search
        relevance: sa.ColumnElement[Any] | None = None
        if query.has_text:
            text = self._text(query)
            if text is None:
                return LotSearchResult(lot_ids=(), total=0, facets=dict.fromkeys(FACETS, ()))
            source, condition, relevance = text
            if condition is not None:
                where.append(condition)
        with self.reader.connect() as conn:
            # the page with the number of all found in one pass (a window over the whole match)
            rows = conn.execute(sa.select(ls.lot_id, sa.func.count().over().label("total")).select_from(source)
                                .where(*where).order_by(*self._ordering(query, relevance))
                                .limit(query.limit).offset(query.offset)).all()
            page = [row.lot_id for row in rows]
            total = int(rows[0].total) if rows else int(conn.execute(
                sa.select(sa.func.count()).select_from(source).where(*where)).scalar_one())
            combinations: list[Any] = []
            if total <= FACET_LIMIT:
                # every facet from one pass: counts per combination of the facet values
                columns = [t.lot_search.c[field] for field in FACETS]
                combinations = list(conn.execute(sa.select(*columns, sa.func.count()).select_from(source)
                                                 .where(*where).group_by(*columns)))
        if total > FACET_LIMIT:
            return LotSearchResult(lot_ids=tuple(page), total=total, facets={})
        spellings: dict[str, dict[str, int]] = {field: {} for field in FACETS}
        for *values, count in combinations:
            for field, value in zip(FACETS, values, strict=True):
                if value:
                    spellings[field][value] = spellings[field].get(value, 0) + int(count)
        facets = {field: merge_facets(counts) for field, counts in spellings.items()}
        return LotSearchResult(lot_ids=tuple(page), total=total, facets=facets)


class SqliteLotSearch(_SqlLotSearch):
    """The embedded lot search on SQLite: Snowball stems (see `analysis`) in `lot_search_terms`."""

    def _write(self, conn: sa.Connection, documents: Sequence[LotDocument]) -> None:
        super()._write(conn, documents)
        if not documents:
            return
        ids = [d.lot_id for d in documents]
        docs = dict(conn.execute(sa.select(ls.lot_id, ls.doc).where(ls.lot_id.in_(ids))).all())
        rows = [{"term": term, "doc": docs[d.lot_id], "tf": tf}
                for d in documents for term, tf in terms(d.text).items()]
        if rows:
            conn.execute(sa.insert(t.lot_search_terms), rows)

    def _delete(self, conn: sa.Connection, lot_ids: Sequence[str]) -> None:
        for start in range(0, len(lot_ids), _BATCH):
            docs = sa.select(ls.doc).where(ls.lot_id.in_(lot_ids[start:start + _BATCH])).scalar_subquery()
            conn.execute(sa.delete(t.lot_search_terms).where(tm.doc.in_(docs)))
        super()._delete(conn, lot_ids)

    def _clear(self, conn: sa.Connection) -> None:
        conn.execute(sa.delete(t.lot_search_terms))
        super()._clear(conn)

    def _text(self, query: LotQuery) -> TextMatch | None:
        clauses = term_clauses(query.clauses)
        if not clauses:
            return None
        # one pass over the posting lists of the query's terms, grouped per lot: which terms it has
        # (each clause must have all its wanted terms and none of its excluded ones) and how often
        wanted = sorted({w for c in clauses for w in c.include})
        every = sorted({w for c in clauses for w in (*c.include, *c.exclude)})
        has = {w: sa.func.max(sa.case((tm.term == w, 1), else_=0)) for w in every}
        hits = (sa.select(tm.doc, sa.func.sum(sa.case((tm.term.in_(wanted), tm.tf), else_=0)).label("score"))
                .where(tm.term.in_(every)).group_by(tm.doc)
                .having(sa.or_(*(sa.and_(*(has[w] == 1 for w in c.include), *(has[w] == 0 for w in c.exclude))
                                 for c in clauses)))
                .subquery("hits"))
        return t.lot_search.join(hits, hits.c.doc == ls.doc), None, hits.c.score


class PostgresLotSearch(_SqlLotSearch):
    """Lot search on PostgreSQL: `websearch_to_tsquery('russian', …)` against the GIN-indexed
    `document` = `to_tsvector('russian', body)`; folded text and folded query make «ё» and «е» one."""

    def _write(self, conn: sa.Connection, documents: Sequence[LotDocument]) -> None:
        if documents:
            statement = sa.insert(t.lot_search).values(
                document=sa.func.to_tsvector(RUSSIAN, sa.bindparam("document_text", type_=sa.Text())))
            rows = [_row(d) for d in documents]
            conn.execute(statement, [row | {"document_text": row["body"]} for row in rows])

    def _code_point_order(self, column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        return sa.collate(column, "C")  # the order of Python strings, whatever the database's locale

    def _text(self, query: LotQuery) -> TextMatch | None:
        # a clause of stop words only is dropped here just as the embedded indexes drop it
        kept = [c for c in query.clauses if term_clauses([c])]
        if not kept:
            return None
        tsquery = sa.func.websearch_to_tsquery(RUSSIAN, render_websearch(kept))
        return t.lot_search, ls.document.op("@@")(tsquery), sa.func.ts_rank(ls.document, tsquery)


def render_websearch(clauses: Sequence[TextClause]) -> str:
    """Parsed clauses in PostgreSQL's web-search syntax: words, «-word», and «or» between clauses."""
    return " or ".join(" ".join([*c.include, *(f"-{w}" for w in c.exclude)]) for c in clauses)


def sql_lot_search(engine: sa.Engine) -> _SqlLotSearch:
    """The lot search that fits the database: PostgreSQL full-text search, or the embedded index."""
    if engine.dialect.name == "postgresql":
        return PostgresLotSearch(engine)
    return SqliteLotSearch(engine, reader=sqlite_reader(engine))


def sqlite_reader(engine: sa.Engine) -> sa.Engine | None:
    """A read-only engine on the same SQLite file whose transactions do not take the write lock.

    The application's engine begins every transaction with BEGIN IMMEDIATE (see `make_engine`), so
    a search through it would queue behind — and hold up — every bid. Plain deferred reads on a
    WAL database run beside the writer. None for an in-memory database (one connection only).
    """
    url = engine.url
    if url.database in (None, "", ":memory:") or "mode=memory" in str(url):
        return None
    reader = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                              pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_timeout=60)

    @sa.event.listens_for(reader, "connect")
    def _read_only(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA query_only = ON")
        finally:
            cursor.close()

    return reader
