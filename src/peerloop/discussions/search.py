"""Search over posts, lessons and playbook entries: one interface, two backends.

- SQLite: an FTS5 table ``discussions_fts`` (rowid = SearchDoc id, unicode61 words without
  diacritics, prefix indexes of 2 to 5 characters), ranked by BM25 with the title weighted 4x.
  No stemming there: a stemmer rewrites the query's prefixes too ("surabay*" became
  "surabai*" and missed "Surabaya"), so words match exactly and ``word*`` matches endings.
- PostgreSQL: a generated ``tsv`` column on ``discussions_searchdoc`` (title weight A, body
  weight B) with a GIN index, ranked by ``ts_rank_cd``.

Both are kept up to date by the services (``index_post``, ``index_entry``), never by
signals. A query is parsed here into words, "quoted phrases", ``prefix*`` and
``-excluded`` words; nothing the person types reaches the search engine's own syntax, so
operators, quotes and emoji give results or a :class:`SearchError` (a clear 400), never a
server error. Only documents of the spaces passed in ``space_ids`` (what the actor may
read) and not hidden are searched.

Ranking cost is bounded: a common word matches hundreds of thousands of documents, so
only the newest ``CANDIDATES`` matches are ranked (docs/benchmarks.md has the figures).
"""

from dataclasses import dataclass, field
from datetime import datetime
import html
import re
import time
import unicodedata

from django.db import connection, transaction

from peerloop.discussions.models import SearchDoc, Thread

MAX_QUERY = 1000
MAX_TERMS = 12
CANDIDATES = 2000
WINDOWS = (50_000, 400_000)
# PostgreSQL first reads the newest RECENT documents one by one (no GIN), see _search_postgres.
RECENT = 5_000
# A phrase whose words are together in more older documents than this (estimated from the
# database's statistics) is answered from the newest WINDOWS[0] documents only, see search().
PHRASE_OLDER_MAX = 2_000
STATS_SECONDS = 600
PAGE = 20
START, STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A phrase in double quotes, or a run of non-space characters.
_PIECE = re.compile(r'(-?)"([^"]*)"|(\S+)')


class SearchError(ValueError):
    """The query cannot be searched; the message says why (shown as a 400)."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or the words of a phrase
    prefix: bool = False
    exclude: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...]

    @property
    def positive(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.exclude)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(unicodedata.normalize("NFKC", text)) if w.strip("_")]


def parse(text: str) -> ParsedQuery:
    """Words, "phrases", ``prefix*`` and ``-word`` of a search box; raises SearchError."""
    if len(text) > MAX_QUERY:
        raise SearchError(f"Search text is limited to {MAX_QUERY:,} characters; this one has {len(text):,}.")
    terms: list[Term] = []
    for match in _PIECE.finditer(text):
        if match.group(2) is not None:
            words = _words(match.group(2))
            if words:
                terms.append(Term(tuple(words), exclude=match.group(1) == "-"))
            continue
        piece = match.group(3)
        exclude = piece.startswith("-") and len(piece) > 1
        prefix = piece.endswith("*")
        words = _words(piece)
        if not words:
            continue
        if len(words) > 1:  # "e-mail", "o'brien": a phrase of its parts
            terms.append(Term(tuple(words), exclude=exclude))
        else:
            terms.append(Term((words[0],), prefix=prefix and len(words[0]) >= 2, exclude=exclude))
    seen: dict[Term, None] = dict.fromkeys(terms)
    terms = list(seen)[:MAX_TERMS]
    parsed = ParsedQuery(tuple(terms))
    if not parsed.positive:
        raise SearchError("Type at least one word to search for (letters or digits).")
    return parsed


@dataclass
class Filters:
    space_ids: frozenset[int]  # what the actor may read: the search never leaves these
    space_id: int | None = None
    topic_id: int | None = None
    kind: str | None = None  # a thread kind, or "entry" for playbook entries
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class Hit:
    doc_id: int
    kind: str
    post_id: int | None
    thread_id: int | None
    entry_id: int | None
    space_id: int
    thread_kind: str
    author_id: int | None
    created_at: datetime
    title_html: str
    snippet_html: str
    score: float
    extra: dict = field(default_factory=dict)


def mark(text: str) -> str:
    """Text with the backend's highlight markers as HTML: everything escaped, then <mark>."""
    return html.escape(text).replace(START, "<mark>").replace(STOP, "</mark>")


def clean_text(text: str) -> str:
    """Text as stored for search: no control characters (the markers stay unique)."""
    return _CONTROL.sub(" ", text)


# --- writing ------------------------------------------------------------------------------


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def _fts_write(doc_id: int, title: str, body: str, space_id: int, visible: bool) -> None:
    """The FTS5 row of a document; only visible documents are in the index, and the
    ``spaces`` column holds the token ``s<space id>`` so a search filters by space inside
    the index."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM discussions_fts WHERE rowid = %s", [doc_id])
        if visible:
            cursor.execute(
                "INSERT INTO discussions_fts(rowid, title, body, spaces) VALUES (%s, %s, %s, %s)",
                [doc_id, title, body, f"s{space_id}"],
            )


def _fts_delete(doc_ids: list[int]) -> None:
    if not doc_ids:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            cursor.execute(
                f"DELETE FROM discussions_fts WHERE rowid IN ({','.join(['%s'] * len(chunk))})",  # noqa: S608
                chunk,
            )


def doc_save(*, doc: SearchDoc) -> SearchDoc:
    """Write one search document (and its FTS5 row on SQLite). Call inside the write's transaction."""
    doc.title = clean_text(doc.title)[:200]
    doc.body = clean_text(doc.body)
    doc.save()
    if _sqlite():
        _fts_write(doc.pk, doc.title, doc.body, doc.space_id, doc.visible)
    return doc


def docs_delete(*, doc_ids: list[int]) -> None:
    SearchDoc.objects.filter(pk__in=doc_ids).delete()
    if _sqlite():
        _fts_delete(doc_ids)


def docs_purge_orphans() -> int:
    """Drop FTS rows whose document is gone (after a space was deleted, its documents
    went with it through the database's cascade). Returns the rows removed."""
    if not _sqlite():
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM discussions_fts WHERE rowid NOT IN (SELECT id FROM discussions_searchdoc)")
        orphans = [row[0] for row in cursor.fetchall()]
    _fts_delete(orphans)
    return len(orphans)


# --- reading ------------------------------------------------------------------------------


def _fts5_expr(parsed: ParsedQuery) -> str:
    def one(term: Term) -> str:
        quoted = '"' + " ".join(term.words) + '"'
        return quoted + ("*" if term.prefix else "")

    positive = " AND ".join(one(t) for t in parsed.positive)
    negative = [one(t) for t in parsed.terms if t.exclude]
    # The person's words search the title and body only, never the spaces column.
    return "{title body} : (" + positive + "".join(f" NOT {n}" for n in negative) + ")"


# Up to this many readable spaces, the index itself filters by space (exact, and cheap for a
# few spaces); beyond it, the newest candidates are filtered after the index (an OR of many
# space tokens costs more than it saves).
SPACE_TOKENS_MAX = 10


def _fts5_with_spaces(expr: str, filters: Filters) -> tuple[str, bool]:
    """The expression restricted to the readable spaces inside the index (True), or as is
    when there are too many spaces to list (the join filters them then)."""
    spaces = sorted(filters.space_ids)
    if filters.space_id is not None:
        spaces = [s for s in spaces if s == filters.space_id]
    if not spaces or len(spaces) > SPACE_TOKENS_MAX:
        return expr, False
    return f"{expr} AND spaces : ({' OR '.join(f's{s}' for s in spaces)})", True


def _tsquery(parsed: ParsedQuery, *, loose: bool = False) -> str:
    """The tsquery text; ``loose`` drops phrase adjacency (words of a phrase only have to
    be there), which GIN answers without re-reading each row."""

    def one(term: Term) -> str:
        lexemes = [f"'{w}'" for w in term.words]
        body = (" & " if loose and not term.exclude else " <-> ").join(lexemes)
        if term.prefix:
            body += ":*"
        return f"!({body})" if term.exclude else f"({body})"

    return " & ".join(one(t) for t in parsed.terms)


def _filters_sql(
    filters: Filters, alias: str, floor: int = 0, ceiling: int | None = None, *, space_index: bool = True
) -> tuple[str, list]:
    """The WHERE clause of ``filters``; without ``space_index`` the space test is written so
    that no index serves it (PostgreSQL's planner, blind to how common the words are,
    otherwise ANDs a bitmap of every document of the readable spaces with the GIN's)."""
    where = [f"{alias}.visible"]
    params: list = []
    if floor > 0:
        where.append(f"{alias}.id > %s")
        params.append(floor)
    if ceiling is not None:
        where.append(f"{alias}.id <= %s")
        params.append(ceiling)
    spaces = sorted(filters.space_ids)
    if filters.space_id is not None:
        spaces = [s for s in spaces if s == filters.space_id]
    if not spaces:
        return "1 = 0", []
    column = f"{alias}.space_id" if space_index else f"({alias}.space_id + 0)"
    where.append(f"{column} IN ({','.join(['%s'] * len(spaces))})")
    params.extend(spaces)
    if filters.kind == "entry":
        where.append(f"{alias}.kind = 'entry'")
    elif filters.kind:
        where.append(f"{alias}.thread_kind = %s")
        params.append(filters.kind)
    if filters.author_id is not None:
        where.append(f"{alias}.author_id = %s")
        params.append(filters.author_id)
    if filters.since is not None:
        where.append(f"{alias}.created_at >= %s")
        params.append(filters.since)
    if filters.until is not None:
        where.append(f"{alias}.created_at < %s")
        params.append(filters.until)
    if filters.topic_id is not None:
        through = Thread.topics.through._meta.db_table
        where.append(f"{alias}.thread_id IN (SELECT thread_id FROM {through} WHERE topic_id = %s)")  # noqa: S608
        params.append(filters.topic_id)
    return " AND ".join(where), params


_COLUMNS = "d.id, d.kind, d.post_id, d.thread_id, d.entry_id, d.space_id, d.thread_kind, d.author_id, d.created_at"


def _row_hit(row: tuple, title: str, snippet: str, score: float) -> Hit:
    created = row[8]
    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    return Hit(
        doc_id=row[0],
        kind=row[1],
        post_id=row[2],
        thread_id=row[3],
        entry_id=row[4],
        space_id=row[5],
        thread_kind=row[6],
        author_id=row[7],
        created_at=created,
        title_html=mark(title),
        snippet_html=mark(snippet),
        score=float(score),
    )


def _search_sqlite(
    parsed: ParsedQuery, filters: Filters, limit: int, offset: int, floor: int, ceiling: int | None
) -> list[Hit]:
    where, params = _filters_sql(filters, "d", floor, ceiling)
    top = ceiling if ceiling is not None else 2**62
    expr, _ = _fts5_with_spaces(_fts5_expr(parsed), filters)
    # The newest CANDIDATES matches in the readable spaces, found inside the index alone,
    # then filtered and ranked by BM25 (lower is better); snippets for the page only.
    sql = f"""
        SELECT {_COLUMNS}, c.score, d.title, d.body FROM (
            SELECT rowid AS rid, bm25(discussions_fts, 4.0, 1.0, 0.0) AS score FROM discussions_fts
            WHERE discussions_fts MATCH %s AND rowid > %s AND rowid <= %s ORDER BY rowid DESC LIMIT {CANDIDATES}
        ) c JOIN discussions_searchdoc d ON d.id = c.rid
        WHERE {where}
        ORDER BY c.score, d.id DESC LIMIT %s OFFSET %s
    """  # noqa: S608 - the filters are placeholders; only constants are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, [expr, floor, top, *params, limit, offset])
        rows = cursor.fetchall()
    return [_row_hit(r[:9], highlight(r[10], parsed), snippet(r[11], parsed), -r[9]) for r in rows]


def _matcher(parsed: ParsedQuery):  # type: ignore[no-untyped-def]
    exact = {w for t in parsed.positive for w in t.words if not t.prefix}
    prefixes = tuple(w for t in parsed.positive if t.prefix for w in t.words)

    def hit(word: str) -> bool:
        folded = _fold(word)
        return folded in exact or (bool(prefixes) and folded.startswith(prefixes))

    return hit


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def highlight(text: str, parsed: ParsedQuery) -> str:
    """``text`` with the query's words between the highlight markers."""
    hit = _matcher(parsed)
    return _WORD.sub(lambda m: f"{START}{m.group(0)}{STOP}" if hit(m.group(0)) else m.group(0), text)


def snippet(text: str, parsed: ParsedQuery, words: int = 24) -> str:
    """About ``words`` words of ``text`` around its densest run of query words, highlighted."""
    hit = _matcher(parsed)
    spans = [(m.start(), m.end(), hit(m.group(0))) for m in _WORD.finditer(text)]
    if not spans:
        return ""
    flags = [h for _, _, h in spans]
    best, best_count = 0, -1
    running = sum(flags[:words])
    for start in range(max(1, len(spans) - words + 1)):
        if start:
            running += (flags[start + words - 1] if start + words - 1 < len(flags) else 0) - flags[start - 1]
        if running > best_count:
            best, best_count = start, running
    first = max(0, best - 2) if best_count > 0 else 0
    last = min(len(spans), first + words)
    piece = text[spans[first][0] : spans[last - 1][1]]
    marked = highlight(piece, parsed)
    return ("…" if first > 0 else "") + marked + ("…" if last < len(spans) else "")


HEADLINE = "StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=…"


def _search_postgres(
    parsed: ParsedQuery,
    filters: Filters,
    limit: int,
    offset: int,
    floor: int,
    ceiling: int | None,
    recent: bool = False,
) -> list[Hit]:
    where, params = _filters_sql(filters, "d", floor, ceiling, space_index=False)
    if recent:
        # The newest RECENT documents are read in id order and matched one by one, without
        # the GIN index: a common word's (or prefix's) posting list of hundreds of thousands
        # of entries is never merged for a page that the newest posts fill. OFFSET 0 keeps
        # the match out of the subquery, so the planner cannot take the GIN index for it.
        cand_sql = f"""
            SELECT r.id, r.tsv FROM (
                SELECT d.id, d.tsv FROM discussions_searchdoc d WHERE {where} OFFSET 0
            ) r, q WHERE r.tsv @@ q.query
        """  # noqa: S608
    else:
        # Candidates: the newest matches of the loose query (a phrase's words anywhere), so a
        # phrase of two common words re-checks adjacency on at most CANDIDATES rows per slice.
        cand_sql = f"""
            SELECT d.id, d.tsv FROM discussions_searchdoc d, q
            WHERE d.tsv @@ q.loose AND {where}
            ORDER BY d.id DESC LIMIT {CANDIDATES}
        """  # noqa: S608
    sql = f"""
        WITH q AS (SELECT to_tsquery('english', %s) AS query, to_tsquery('english', %s) AS loose),
        cand AS ({cand_sql}),
        top AS (
            SELECT cand.id, ts_rank_cd(cand.tsv, q.query) AS score FROM cand, q
            WHERE cand.tsv @@ q.query
            ORDER BY score DESC, cand.id DESC LIMIT %s OFFSET %s
        )
        SELECT {_COLUMNS}, top.score,
               ts_headline('english', d.title, q.query, 'StartSel=\x02, StopSel=\x03, HighlightAll=true'),
               ts_headline('english', left(d.body, 20000), q.query, %s)
        FROM top JOIN discussions_searchdoc d ON d.id = top.id, q
        ORDER BY top.score DESC, d.id DESC
    """  # noqa: S608 - the filters are placeholders; only constants are formatted in
    with transaction.atomic(), connection.cursor() as cursor:
        # A loose match of two common words in an older slice is a bitmap of 100,000s of
        # rows: with the default 4 MB it turns lossy and every row of those pages is re-read.
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, [_tsquery(parsed), _tsquery(parsed, loose=True), *params, limit, offset, HEADLINE])
        rows = cursor.fetchall()
    return [_row_hit(r[:9], r[10], r[11], r[9]) for r in rows]


_stats: list[tuple[float, dict[str, float], float]] = []  # (when read, frequencies, floor)


def _lexeme_frequencies() -> tuple[dict[str, float], float]:
    """The share of documents holding each of the most common lexemes (what ANALYZE keeps
    of the tsvector column), and a bound for every other lexeme; cached for STATS_SECONDS."""
    now = time.monotonic()
    if _stats and now - _stats[0][0] < STATS_SECONDS:
        return _stats[0][1], _stats[0][2]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'discussions_searchdoc' AND attname = 'tsv'"
        )
        row = cursor.fetchone()
    freqs: dict[str, float] = {}
    floor = 0.0
    if row and row[0]:
        lexemes, values = row[0], row[1]
        freqs = {lexeme: float(f) for lexeme, f in zip(lexemes, values, strict=False)}
        floor = float(values[len(lexemes)])  # after the lexemes' frequencies: the lowest, the highest
    _stats[:] = [(now, freqs, floor)]
    return freqs, floor


def _phrase_too_common(parsed: ParsedQuery, documents: int) -> bool:
    """Whether a query with a phrase matches its words (adjacent or not) in more than
    PHRASE_OLDER_MAX documents, by the statistics (words taken as independent)."""
    if not any(len(t.words) > 1 for t in parsed.positive):
        return False
    words = [w for t in parsed.positive if not t.prefix for w in t.words]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, array(SELECT lexeme FROM unnest(to_tsvector('english', w))) FROM unnest(%s::text[]) w", [words]
        )
        stems = cursor.fetchall()
    freqs, floor = _lexeme_frequencies()
    if not freqs:  # no statistics yet: nothing says the phrase is common
        return False
    share = 1.0
    for _word, lexemes in stems:
        for lexeme in lexemes:  # a stop word has none and does not narrow the match
            share *= freqs.get(lexeme, floor)
    return share * documents > PHRASE_OLDER_MAX


def _newest_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM discussions_searchdoc")
        row = cursor.fetchone()
    return int(row[0] or 0)


def search(*, text: str, filters: Filters, limit: int = PAGE, offset: int = 0) -> list[Hit]:
    """Ranked hits for ``text`` within ``filters``; raises SearchError for a query that
    cannot be searched.

    The cost of ranking is bounded by looking in the newest documents first: the newest
    WINDOWS[0] documents, then the next slice up to WINDOWS[1], then the rest, stopping as
    soon as the page is full (hits of a newer slice come first, each slice ranked). A
    common word is ranked among recent posts (fresh knowledge first) and never costs a scan
    of every match; a rare word falls through to the whole index, where it has few matches
    anyway. Within a slice, at most CANDIDATES matches (the newest) are ranked.

    PostgreSQL first reads the newest RECENT documents row by row (no GIN posting list is
    merged when they fill the page), and answers a phrase whose words are common together
    (by the column's statistics) from the newest RECENT + WINDOWS[0] documents only.
    """
    parsed = parse(text)
    limit = max(1, min(limit, 100))
    offset = max(0, min(offset, CANDIDATES))
    sqlite = _sqlite()
    newest = _newest_id()
    wanted = limit + offset
    hits: list[Hit] = []
    ceiling: int | None = None
    windows: tuple[int | None, ...] = (*WINDOWS, None) if sqlite else (RECENT, *WINDOWS, None)
    if not sqlite and _phrase_too_common(parsed, newest):
        # Adjacency is checked on each candidate's row, and a phrase of two common words
        # has tens of thousands of candidates in the older slices: it is answered from the
        # newest documents, where it is cheap, instead of costing a second or more.
        windows = (RECENT, WINDOWS[0])
    # Disjoint slices of ids, newest first: a slice is never searched twice.
    for window in windows:
        floor = max(0, newest - window) if window is not None else 0
        if ceiling is not None and floor >= ceiling:
            continue
        if sqlite:
            hits += _search_sqlite(parsed, filters, wanted - len(hits), 0, floor, ceiling)
        else:
            hits += _search_postgres(parsed, filters, wanted - len(hits), 0, floor, ceiling, recent=window == RECENT)
        if len(hits) >= wanted or floor == 0:
            break
        ceiling = floor
    return hits[offset : offset + limit]
