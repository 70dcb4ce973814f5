"""SQLite's best quotes for a search: bm25's exact order, reading only the quotes that can reach the best.

FTS5 scores a quote ``Σ idf·f(k1+1) / (f + k1(1 − b + b·d/avgdl))`` over the query's phrases (f: how often the
phrase occurs in the quote, d: the quote's length in words), so ranking every match costs about 1 µs a match:
30 ms for a word in 40,000 quotes at 100,000 releases. Migration 0014 orders the index's rowids by a bound on that
score: rowid = (rank of the quote's shape) << 32 | quote id, where the shape is the quote's length and how often its
most repeated word occurs (the common words of ``quote_common_terms`` left out), ranks best first. A search reads
its matches in rowid order with their bm25 scores and stops at the first rank from which no quote can beat the
``limit``-th best score read so far: the scores are FTS5's own, and every quote left unread scores less than the
cut, so the answer is exactly the best ``limit`` of every match (ties at the cut are FTS5's to order, as before).
"""

from __future__ import annotations

import heapq
import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from digests.store.fts import Match

K1, B = 1.2, 0.75  # FTS5's bm25 constants (fts5_aux.c)
SHIFT = 32  # rowid = rank << SHIFT | quote id
QUOTE_ID = (1 << SHIFT) - 1
UNBOUNDED = 8  # a shape whose most repeated word occurs this often or more: no bound on how often a word occurs
READ_AT_ONCE = 64  # rows fetched at a time while ranking (each one is scored: few past the stop)
# A bound only prunes when its margin is real: floating-point sums in another order than FTS5's may differ in the
# last bits, so a bound is raised by this much before it is compared with a score.
MARGIN = 1e-9

Stems = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Shapes:
    """Migration 0014's shape ranks: the words left out of a quote's most repeated word, and for each rank its
    ``(most repeats or None for unbounded, fewest words)`` pairs."""

    common: frozenset[str]
    ranks: tuple[tuple[tuple[int | None, int], ...], ...]

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> Shapes:
        common = frozenset(row[0] for row in conn.execute("SELECT term FROM quote_common_terms"))
        found: dict[int, list[tuple[int | None, int]]] = {}
        for m, d, rank in conn.execute("SELECT m, d, ord FROM quote_shapes"):
            found.setdefault(int(rank), []).append((None if m >= UNBOUNDED else int(m), int(d)))
        top = max(found, default=0)
        return cls(common, tuple(tuple(found.get(rank, ())) for rank in range(top + 1)))


def term_factor(f: float, d: float, avgdl: float) -> float:
    """bm25's factor of one phrase occurring ``f`` times in a quote of ``d`` words (FTS5's expression)."""
    return f * (K1 + 1.0) / (f + K1 * (1 - B + B * d / avgdl))


@lru_cache(maxsize=8)
def _suffix_bounds(shapes: Shapes, avgdl: float) -> tuple[float, ...]:
    """For each rank, the largest term factor any quote of that rank or a later one can have; rank 0 (rowids
    below 1 << SHIFT: quotes without a shape, never ranked) unbounded."""
    bounds = [0.0] * (len(shapes.ranks) + 1)
    for rank in range(len(shapes.ranks) - 1, 0, -1):
        best = max(
            (K1 + 1.0 if m is None else term_factor(m, d, avgdl) for m, d in shapes.ranks[rank]), default=0.0
        )
        bounds[rank] = max(best, bounds[rank + 1])
    bounds[0] = math.inf
    return tuple(bounds)


def _varints(blob: bytes) -> list[int]:
    """SQLite's big-endian varints, as FTS5's averages record holds them."""
    values, value = [], 0
    for byte in blob:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
    return values


def _bounded(match: Match, shapes: Shapes, stems: Stems) -> list[bool]:
    """For each phrase, whether a quote's shape bounds how often it occurs: it holds a word that is not common
    (a phrase occurs no more often than any of its words)."""
    return [
        any(token not in shapes.common for word in phrase for token in stems(word).split()) for phrase in match.phrases
    ]


class Ranking:
    """One search's bounds: what any quote from a rank on can score, from the index's statistics."""

    def __init__(self, conn: sqlite3.Connection, match: Match, phrases: Sequence[str], bounded: Sequence[bool]) -> None:
        row = conn.execute("SELECT block FROM quotes_fts_data WHERE id = 1").fetchone()
        totals = _varints(bytes(row[0])) if row else [0]
        rows = max(totals[0], 1)
        avgdl = sum(totals[1:]) / rows
        shaped = unshaped = 0.0
        for phrase, has_bound in zip(phrases, bounded, strict=True):
            hits = conn.execute("SELECT COUNT(*) FROM quotes_fts WHERE quotes_fts MATCH ?", (phrase,)).fetchone()[0]
            idf = math.log((rows - hits + 0.5) / (hits + 0.5))  # FTS5's IDF, floored as FTS5 floors it
            idf = idf if idf > 0.0 else 1e-6
            if has_bound:
                shaped += idf
            else:
                unshaped += idf * (K1 + 1.0)  # a term factor never reaches k1 + 1
        self.avgdl = avgdl
        self._shaped, self._unshaped = shaped, unshaped
        self._bounds = _suffix_bounds(shapes_of(conn), avgdl)

    def most(self, rank: int) -> float:
        """The most a quote of ``rank`` or a later one can score (raised by the margin)."""
        bound = self._bounds[min(rank, len(self._bounds) - 1)]
        return (bound * self._shaped + self._unshaped) * (1 + MARGIN)


_SHAPES: list[Shapes] = []


def shapes_of(conn: sqlite3.Connection) -> Shapes:
    """The shape ranks: the same constant table in every store (migration 0014 writes it), read once."""
    if not _SHAPES:
        _SHAPES.append(Shapes.read(conn))
    return _SHAPES[0]


def best_quotes(
    conn: sqlite3.Connection, match: Match, expression: Callable[[Match], str], stems: Stems, limit: int
) -> tuple[list[tuple[int, float]], int]:
    """The ``limit`` best matching quotes as ``(quote id, score)``, best first (higher = better, FTS5's bm25
    negated), and how many matches were read to find them. Runs on the connection's thread."""
    phrases = [expression(Match((phrase,), every=True)) for phrase in match.phrases]
    bounded = _bounded(match, shapes_of(conn), stems)
    if limit <= 0:
        return [], 0
    cursor = conn.cursor()
    cursor.row_factory = None
    heap: list[tuple[float, int]] = []  # the best so far, worst first
    ranking: Ranking | None = None
    read = 0
    try:
        if not any(bounded):  # only common words: nothing to prune, FTS5 ranks every match itself
            cursor.execute(
                "SELECT rowid, -bm25(quotes_fts) AS score FROM quotes_fts WHERE quotes_fts MATCH ? "
                "ORDER BY score DESC LIMIT ?",
                (expression(match), limit),
            )
            rows = cursor.fetchall()
            return [(rowid & QUOTE_ID, score) for rowid, score in rows], len(rows)
        cursor.execute(
            "SELECT rowid, -bm25(quotes_fts) FROM quotes_fts WHERE quotes_fts MATCH ? ORDER BY rowid",
            (expression(match),),
        )
        rank, most, cut = -1, math.inf, -math.inf
        while rows := cursor.fetchmany(READ_AT_ONCE):
            read += len(rows)
            for rowid, score in rows:
                if len(heap) < limit:
                    heapq.heappush(heap, (score, rowid))
                    if len(heap) == limit:
                        cut = heap[0][0]
                    continue
                if rowid >> SHIFT != rank:  # a new rank: can any quote from here on beat the cut?
                    if ranking is None:
                        ranking = Ranking(conn, match, phrases, bounded)
                    rank = rowid >> SHIFT
                    most = ranking.most(rank)
                if most < cut:
                    return _best_first(heap), read  # no quote from here on can
                if score > cut:
                    heapq.heapreplace(heap, (score, rowid))
                    cut = heap[0][0]
        return _best_first(heap), read
    finally:
        cursor.close()


def _best_first(heap: list[tuple[float, int]]) -> list[tuple[int, float]]:
    return [(rowid & QUOTE_ID, score) for score, rowid in sorted(heap, reverse=True)]
