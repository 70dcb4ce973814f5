"""PostgreSQL full text: ``tsvector`` columns with GIN indexes, ranked by ``ts_rank``.

The ``release_digest`` text search configuration stems words with the original Porter algorithm, as FTS5's porter
tokenizer does, and like it drops no stop words; every text goes through ``rd_words()`` first, which cuts words
where FTS5's unicode61 tokenizer does (migrations 0001 and 0012), so both engines find the same releases. Queries
are built from the words with ``phraseto_tsquery`` (which reads its argument as plain text, never as tsquery
syntax) and combined with the ``rd_tsquery_and``/``rd_tsquery_or`` aggregates; the words travel as one ``text[]``
parameter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from digests.store.fts import Match

if TYPE_CHECKING:
    from digests.store.db import Database

CONFIG = "'release_digest'"


def words(text: str) -> str:
    """The SQL of the tsvector of a text (an SQL expression), its words cut as FTS5 cuts them."""
    return f"to_tsvector({CONFIG}, rd_words({text}))"


# A release's document: its title and current version's body (aliases r and v)
_RELEASE_DOC = " || ".join(words(text) for text in ("COALESCE(r.title, '')", "v.body"))
# A quote's document: its text, speaker and speaker's title (columns of quotes, which the alias may name)
_QUOTE_DOC = " || ".join(words(text) for text in ("text", "COALESCE(speaker, '')", "COALESCE(speaker_title, '')"))


def tsquery(match: Match, *, unlearned: bool = False) -> tuple[str, list[Any]]:
    """The SQL expression of the tsquery and its one parameter (the phrases, as text); ``unlearned``: of the
    phrases not in ``release_phrases`` only (NULL, which matches nothing, when every phrase is learned)."""
    combine = "rd_tsquery_and" if match.every else "rd_tsquery_or"
    left = " WHERE NOT EXISTS (SELECT 1 FROM release_phrases k WHERE k.phrase = p)" if unlearned else ""
    sql = f"(SELECT {combine}(phraseto_tsquery({CONFIG}, rd_words(p))) FROM unnest(CAST(? AS TEXT[])) AS p{left})"
    return sql, [_texts(match)]


def _texts(match: Match) -> list[str]:
    return [" ".join(words) for words in match.phrases]


def _with_learned(match: Match) -> bool:
    """Whether the match may hold learned phrases (migration 0016): any of several words, one of them a phrase
    (every phrase learned has two words or more; the releases of an AND of phrases are not kept)."""
    return not match.every and any(len(words) > 1 for words in match.phrases)


class PostgresFullText:
    """The statements that keep the tsvector tables current and query them."""

    # parameter: release id (its title and current version's body)
    index_release = (
        f"INSERT INTO releases_fts (rowid, doc) SELECT r.id, {_RELEASE_DOC} "
        "FROM releases r JOIN release_versions v ON v.id = r.current_version_id WHERE r.id = ?"
    )
    unindex_release = "DELETE FROM releases_fts WHERE rowid = ?"
    # parameter: version id
    index_version_quotes: tuple[str, ...] = (
        f"INSERT INTO quotes_fts (rowid, doc) SELECT id, {_QUOTE_DOC} FROM quotes WHERE version_id = ?",
    )
    delete_version_quotes = "DELETE FROM quotes_fts WHERE rowid IN (SELECT id FROM quotes WHERE version_id = ?)"
    rebuild: tuple[str, ...] = (
        "DELETE FROM releases_fts",
        "DELETE FROM quotes_fts",
        f"INSERT INTO releases_fts (rowid, doc) SELECT r.id, {_RELEASE_DOC} "
        "FROM releases r JOIN release_versions v ON v.id = r.current_version_id",
        f"INSERT INTO quotes_fts (rowid, doc) SELECT q.id, {_QUOTE_DOC} FROM quotes q "
        "JOIN releases r ON r.id = q.release_id AND r.current_version_id = q.version_id",
    )

    # The shared side of the lock under which rd_learn_phrases() learns a phrase (migration 0016): taken first, a
    # writer never waits for it while holding a row lock that another writer queued behind a learner needs.
    release_writer_lock: str | None = "SELECT pg_advisory_xact_lock_shared(1380209998)"

    def __init__(self) -> None:
        self._stems: dict[str, str] = {}  # the configuration's stemmer never changes while the store is open

    async def stem(self, fetch_one: Callable[[str, Sequence[Any]], Awaitable[Any]], word: str) -> str:
        """What the index stores for ``word`` (its stem), asked of the ``release_digest`` configuration."""
        if word not in self._stems:
            row = await fetch_one(f"SELECT array_to_string(tsvector_to_array({words('?')}), ' ') AS stem", [word])
            self._stems[word] = str(row["stem"]) if row else word
        return self._stems[word]

    async def learn_phrases(self, db: Database, phrases: Collection[str]) -> None:
        """Keep the releases each new phrase of two words or more occurs in (``rd_learn_phrases``, migration 0016):
        one look-up when every phrase is known."""
        wanted = sorted({phrase for phrase in phrases if " " in phrase})
        if wanted:
            await db.fetch_one("SELECT rd_learn_phrases(CAST(? AS TEXT[])) AS n", [wanted])

    def release_ids(self, match: Match) -> tuple[str, list[Any]]:
        """A subquery of the ids of the releases (current versions) that match: a learned phrase's from
        ``release_phrase_matches`` (no document read), the rest through the index."""
        if not _with_learned(match):
            query, params = tsquery(match)
            return f"SELECT rowid FROM releases_fts WHERE doc @@ {query}", params
        query, params = tsquery(match, unlearned=True)
        return (
            f"SELECT rowid FROM releases_fts WHERE doc @@ {query} UNION "
            "SELECT release_id FROM release_phrase_matches WHERE phrase = ANY(CAST(? AS TEXT[]))"
        ), [*params, _texts(match)]

    def release_matches(self, match: Match, release_id: str) -> tuple[str, list[Any]]:
        """Whether one release matches, checked on that release's document alone.

        A scalar subquery, which PostgreSQL never turns into a join: a page of a frequent topic walks the newest
        releases and stops when the page is full, instead of joining every match (23,639 for "government") and
        sorting them. (``IN``/``EXISTS`` would be flattened into a semi-join, and with the tsquery a run-time
        value the planner cannot tell a frequent word from a rare one.)
        """
        query, params = tsquery(match, unlearned=_with_learned(match))
        sql = f"COALESCE((SELECT f.doc @@ {query} FROM releases_fts f WHERE f.rowid = {release_id}), FALSE)"
        if not _with_learned(match):
            return sql, params
        learned = (
            f"EXISTS (SELECT 1 FROM release_phrase_matches m WHERE m.release_id = {release_id} "
            "AND m.phrase = ANY(CAST(? AS TEXT[])))"
        )
        return f"({sql} OR {learned})", [*params, _texts(match)]

    def count_releases(self, match: Match) -> tuple[str, list[Any]]:
        """How many releases match: a one-word query from the releases-per-word counts kept at write time, any other
        through the index (``rd_matching_releases``, migration 0015; PostgreSQL reads every match's row to count
        them, 0.4-0.8 µs each), learned phrases from their kept releases (:meth:`release_ids`)."""
        if _with_learned(match):
            ids, params = self.release_ids(match)
            return f"SELECT COUNT(*) AS n FROM ({ids}) AS m", params
        query, params = tsquery(match)
        return f"SELECT rd_matching_releases({query}) AS n", params

    def quote_hits(self, match: Match) -> tuple[str, list[Any]]:
        """A subquery of ``(rowid, score)`` of the matching quotes: rowid = quotes.id, higher score = better."""
        query, params = tsquery(match)
        # normalisation 1 divides by 1 + log(length), as bm25 favours the shorter of two equal matches
        return (
            f"SELECT f.rowid, ts_rank(f.doc, m.q, 1) AS score FROM quotes_fts f CROSS JOIN {query} AS m(q) "
            "WHERE f.doc @@ m.q"
        ), params

    async def best_quotes(self, db: Database, match: Match, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` best matching quotes as ``(quote id, score)``, best first: a one-word query's from the
        quotes that rank highest for each word, kept at write time, when they are enough, else every match ranked
        (``rd_best_quotes``, migration 0015). The same scores as :meth:`quote_hits`."""
        query, params = tsquery(match)
        rows = await db.fetch_all(
            f"SELECT b.quote AS rowid, b.quote_score AS score FROM rd_best_quotes({query}, CAST(? AS BIGINT)) AS b "
            "ORDER BY b.quote_score DESC",
            [*params, limit],
        )
        return [(row["rowid"], row["score"]) for row in rows]
