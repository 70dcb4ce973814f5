"""PostgreSQL cuts and stems words as SQLite's FTS5 does (migration 0012's ``rd_words`` and Porter stemmer): the
same text gives the same words, in the same order, on both engines."""

from __future__ import annotations

import sqlite3
import string

import asyncpg

from digests.store.db import Database

TRICKY = (
    "U.S.-Iraq talks: don't stop, SEC's 7.28secs run; G20s, covid-19 & x_y.",
    "News on the technologies of biology, hydrology and a trilogy; possibly, incredibly, nobly, assemblies.",
    "Us, US, is, as and bus; skies, dying, ties, knightly, generously, “quoted” — dashes… and 3rd 1e5.",
    "Café, naïve, Ærø, Ångström, São Paulo, Dvořák, Łódź, résumé (decomposed: re\u0301sume\u0301).",
    "e-mail@example.org, https://x.test/a_b?c=d, C:\\path\\file.txt, v1.2.3, #tag, @handle, 50% £3 €4 $5.",
)
# Latin letters with diacritics, and punctuation and symbols, one by one
CHARACTERS = [chr(cp) for cp in (*range(0xA0, 0x250), *range(0x1E00, 0x1F00), *range(0x2000, 0x2070))]
# The known exceptions: superscript digits and fractions are no word characters to PostgreSQL's parser; FTS5 folds
# the micro sign into the Greek mu; the mark rd_words() gives short words; the bidirectional isolates of Unicode
# 6.3, which FTS5's tables (older) count as letters.
DIFFERENT = ["\u00b2", "\u00b3", "\u00b5", "\u00b9", "\u00bc", "\u00bd", "\u00be", "\u01c2"]
DIFFERENT += [chr(cp) for cp in range(0x2065, 0x206A)]


def fts5_words(texts: list[str]) -> list[list[str]]:
    """Each text's words as FTS5 (porter unicode61) indexes them, in order."""
    lite = sqlite3.connect(":memory:")
    lite.execute("CREATE VIRTUAL TABLE f USING fts5 (body, tokenize = 'porter unicode61')")
    lite.executemany("INSERT INTO f (rowid, body) VALUES (?, ?)", enumerate(texts, 1))
    lite.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    found: list[list[tuple[int, str]]] = [[] for _ in texts]
    for term, doc, offset in lite.execute("SELECT term, doc, offset FROM v"):
        found[doc - 1].append((offset, term))
    return [[term for _, term in sorted(words)] for words in found]


async def postgres_words(url: str, texts: list[str]) -> list[list[str]]:
    """Each text's words as PostgreSQL indexes them, in order (the mark of a kept short word taken off)."""
    await (await Database.open(url)).close()  # migrated
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT t.n, w.lexeme, p.position FROM unnest($1::text[]) WITH ORDINALITY AS t(body, n), "
            "unnest(to_tsvector('release_digest', rd_words(t.body))) AS w, unnest(w.positions) AS p(position)",
            texts,
        )
    finally:
        await conn.close()
    found: list[list[tuple[int, str]]] = [[] for _ in texts]
    for row in rows:
        found[row["n"] - 1].append((row["position"], row["lexeme"].replace("\u01c2", "")))
    return [[term for _, term in sorted(words)] for words in found]


async def test_texts_give_the_same_words(pg_url: str, seed_text: str) -> None:
    texts = [*TRICKY, seed_text]
    assert await postgres_words(pg_url, texts) == fts5_words(texts)


async def test_every_letter_digit_and_separator_is_treated_alike(pg_url: str) -> None:
    texts = [f"ab{ch}cd {ch} x{ch}" for ch in [*string.punctuation, *CHARACTERS]]
    on_postgres, on_sqlite = await postgres_words(pg_url, texts), fts5_words(texts)
    differ = [ch for ch, mine, theirs in zip(texts, on_postgres, on_sqlite, strict=True) if mine != theirs]
    assert [text[2] for text in differ] == DIFFERENT
