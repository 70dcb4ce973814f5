"""PolNeAR for bench/quote_quality.py, scoring stage: predicted and gold quotes matched, counted over articles
(see that module's docstring for the method)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bench.quote_data import Article, Span
from bench.quote_gold import baseline, gold_quotes
from bench.quote_speakers import name_keys, speaker_right
from digests.quotes import extract_quotes
from digests.text import split_sentences, words

MATCH_JACCARD = 0.5


@dataclass(slots=True)
class Score:
    """Counts accumulated over articles; the rates are derived from them."""

    predicted: int = 0
    gold: int = 0
    matched_predicted: int = 0
    matched_gold: int = 0
    named_matched: int = 0  # matched gold quotes whose speaker is a name
    named_right: int = 0  # … of which the predicted speaker is right
    named_gold: int = 0  # gold quotes whose speaker is a name
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched_predicted / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.named_right / self.named_matched if self.named_matched else 1.0

    @property
    def speaker_overall(self) -> float:
        return self.named_right / self.named_gold if self.named_gold else 1.0


def _bag(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in words(text))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def match(predicted: Sequence[Span], gold: Sequence[Span]) -> dict[int, list[int]]:
    """Gold index → the predicted indexes matched to it (best overlap first); see the module docstring."""
    pred_bags = [_bag(p.text) for p in predicted]
    gold_bags = [_bag(g.text) for g in gold]
    # Link a predicted and a gold quote when one lies mostly inside the other; pool each connected group.
    parent = list(range(len(predicted) + len(gold)))  # union-find: predicted i is i, gold j is n + j

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    n = len(predicted)
    for i, p in enumerate(predicted):
        for j, g in enumerate(gold):
            shared = _overlap(p, g)
            if shared * 2 > min(p.end - p.start, g.end - g.start) > 0:
                parent[find(i)] = find(n + j)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for x in range(n + len(gold)):
        preds, golds = groups.setdefault(find(x), ([], []))
        (preds if x < n else golds).append(x if x < n else x - n)
    matched: dict[int, list[int]] = {}
    for preds, golds in groups.values():
        if not preds or not golds:
            continue
        pred_words = frozenset().union(*(pred_bags[i] for i in preds))
        gold_words = frozenset().union(*(gold_bags[j] for j in golds))
        if _jaccard(pred_words, gold_words) >= MATCH_JACCARD:
            for j in golds:
                matched[j] = sorted(preds, key=lambda i: -_overlap(predicted[i], gold[j]))
    # What is left is matched one-to-one by the words alone, best pair first.
    used = {i for members in matched.values() for i in members}
    pairs = sorted(
        (-score, i, j)
        for i, pb in enumerate(pred_bags)
        if i not in used
        for j, gb in enumerate(gold_bags)
        if j not in matched and (score := _jaccard(pb, gb)) >= MATCH_JACCARD
    )
    for _, i, j in pairs:
        if i not in used and j not in matched:
            used.add(i)
            matched[j] = [i]
    return matched


def ours(body: str) -> list[Span]:
    """Quotes from ``digests.quotes.extract_quotes`` as spans."""
    return [Span(q.text, q.start, q.end, q.speaker) for q in extract_quotes(body, split_sentences(body))]


def score(articles: Iterable[Article], extractor: str = "ours", *, keep_errors: bool = False) -> Score:
    """Score ``"ours"`` or ``"baseline"`` over ``articles``."""
    total = Score()
    for article in articles:
        predicted = ours(article.body) if extractor == "ours" else baseline(article.body)
        gold = gold_quotes(article)
        matched = match(predicted, gold)
        total.predicted += len(predicted)
        total.gold += len(gold)
        total.matched_predicted += len({i for members in matched.values() for i in members})
        total.matched_gold += len(matched)
        for j, g in enumerate(gold):
            key = name_keys(g.speaker)
            members = matched.get(j)
            if key:
                total.named_gold += 1
                if members:
                    total.named_matched += 1
                    speaker = predicted[members[0]].speaker
                    if speaker_right(speaker, key):
                        total.named_right += 1
                    elif keep_errors:
                        note = f"gold={g.speaker!r} ours={speaker!r}"
                        total.errors.append(f"SPEAKER {article.name} {note} :: {g.text[:90]}")
            if not members and keep_errors:
                total.errors.append(f"MISSED {article.name} {g.start} :: {g.text[:120]}")
        if keep_errors:
            used = {i for members in matched.values() for i in members}
            for i, p in enumerate(predicted):
                if i not in used:
                    total.errors.append(f"EXTRA {article.name} {p.start} :: {p.text[:120]}")
    return total
