"""PostgreSQL full text: ``tsvector`` columns with GIN indexes, ranked by ``ts_rank``.

The ``release_digest`` text search configuration (migration 0001) stems English words like FTS5's porter tokenizer
and, like it, drops no stop words. Queries are built from the words with ``phraseto_tsquery`` (which reads its
argument as plain text, never as tsquery syntax) and combined with the ``rd_tsquery_and``/``rd_tsquery_or``
aggregates; the words travel as one ``text[]`` parameter.
"""

from __future__ import annotations

from typing import Any

from digests.store.fts import Match

CONFIG = "'release_digest'"


def tsquery(match: Match) -> tuple[str, list[Any]]:
    """The SQL expression of the tsquery and its one parameter (the phrases, as text)."""
    combine = "rd_tsquery_and" if match.every else "rd_tsquery_or"
    sql = f"(SELECT {combine}(phraseto_tsquery({CONFIG}, p)) FROM unnest(CAST(? AS TEXT[])) AS p)"
    return sql, [[" ".join(words) for words in match.phrases]]


class PostgresFullText:
    """The statements that keep the tsvector tables current and query them."""

    # parameters: release id, title, body
    index_release = (
        f"INSERT INTO releases_fts (rowid, doc) VALUES (?, to_tsvector({CONFIG}, ?) || to_tsvector({CONFIG}, ?))"
    )
    delete_release = "DELETE FROM releases_fts WHERE rowid = ?"
    # parameters: quote id, text, speaker, speaker title
    index_quote = (
        f"INSERT INTO quotes_fts (rowid, doc) VALUES (?, to_tsvector({CONFIG}, ?) || to_tsvector({CONFIG}, ?) "
        f"|| to_tsvector({CONFIG}, ?))"
    )
    delete_version_quotes = "DELETE FROM quotes_fts WHERE rowid IN (SELECT id FROM quotes WHERE version_id = ?)"

    def release_ids(self, match: Match) -> tuple[str, list[Any]]:
        """A subquery of the ids of the releases (current versions) that match."""
        query, params = tsquery(match)
        return f"SELECT rowid FROM releases_fts WHERE doc @@ {query}", params

    def release_matches(self, match: Match, release_id: str) -> tuple[str, list[Any]]:
        """Whether one release matches (the planner picks how)."""
        ids, params = self.release_ids(match)
        return f"{release_id} IN ({ids})", params

    def count_releases(self, match: Match) -> tuple[str, list[Any]]:
        """How many releases match."""
        ids, params = self.release_ids(match)
        return f"SELECT COUNT(*) AS n FROM ({ids}) AS matching", params

    def quote_hits(self, match: Match) -> tuple[str, list[Any]]:
        """A subquery of ``(rowid, score)`` of the matching quotes: rowid = quotes.id, higher score = better."""
        query, params = tsquery(match)
        # normalisation 1 divides by 1 + log(length), as bm25 favours the shorter of two equal matches
        return (
            f"SELECT f.rowid, ts_rank(f.doc, m.q, 1) AS score FROM quotes_fts f CROSS JOIN {query} AS m(q) "
            "WHERE f.doc @@ m.q"
        ), params

    def best_quotes(self, match: Match) -> tuple[str, list[Any]]:
        """The best ``?`` matching quotes, best first."""
        hits, params = self.quote_hits(match)
        return f"SELECT rowid, score FROM ({hits}) AS hit ORDER BY score DESC LIMIT ?", params
