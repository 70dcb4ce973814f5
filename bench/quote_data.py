"""PolNeAR for bench/quote_quality.py, loading stage: BRAT standoff files read into articles with their attributions
(see that module's docstring for the method)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Span:
    """A quoted passage or quotation: its words and the body offsets it covers."""

    text: str
    start: int
    end: int
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    """One annotated attribution: its Content fragments and its Source text (None without a source)."""

    content: tuple[tuple[int, int], ...]
    source: str | None


@dataclass(frozen=True, slots=True)
class Article:
    """One annotated text: its file stem, its body and its attributions."""

    name: str
    body: str
    attributions: tuple[Attribution, ...]


def _fragments(offsets: str) -> tuple[tuple[int, int], ...]:
    """``"315 448;463 553"`` → ``((315, 448), (463, 553))``."""
    pairs = (part.split() for part in offsets.split(";"))
    return tuple((int(start), int(end)) for start, end in pairs)


def parse_ann(ann: str) -> tuple[Attribution, ...]:
    """Attributions of a BRAT ``.ann`` file: each ``E`` line's Content fragments and Source text."""
    spans: dict[str, tuple[str, tuple[tuple[int, int], ...], str]] = {}
    links: list[list[tuple[str, str]]] = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 3:
            kind, _, offsets = parts[1].partition(" ")
            spans[parts[0]] = (kind, _fragments(offsets), parts[2])
        elif line.startswith("E") and len(parts) >= 2:
            links.append([(arg.partition(":")[0], arg.partition(":")[2]) for arg in parts[1].split() if ":" in arg])
    found: list[Attribution] = []
    for link in links:
        content = tuple(
            frag for role, tid in link if role.startswith("Content") and tid in spans for frag in spans[tid][1]
        )
        sources = [spans[tid][2] for role, tid in link if role.startswith("Source") and tid in spans]
        if content:
            found.append(Attribution(tuple(sorted(content)), sources[0] if sources else None))
    return tuple(found)


def load_articles(directory: Path, limit: int | None = None) -> list[Article]:
    """Articles of one split directory (``text/`` and ``attributions/``), one annotator per text."""
    articles: list[Article] = []
    for text_path in sorted((directory / "text").glob("*.txt")):
        anns = sorted((directory / "attributions").glob(text_path.stem + "_*.ann"))
        if not anns:
            continue
        body = text_path.read_text(encoding="utf-8")
        articles.append(Article(text_path.stem, body, parse_ann(anns[0].read_text(encoding="utf-8"))))
        if limit is not None and len(articles) >= limit:
            break
    return articles
