"""Quote extraction quality on PolNeAR (political news with hand-annotated attributions).

Run by hand: ``.venv/bin/python bench/quote_quality.py [--split dev] [--limit N] [--data DIR] [--errors]
[--speed]``; prints a table (``--speed`` adds the time to extract quotes from a 10 MB body: speed is measured
here, never asserted by a timed unit test). ``tests/digests/quotes/test_regression.py`` imports the loading and scoring
from here, so the regression test on the small sample in ``tests/data/polnear/`` scores exactly as this bench
does.

Data: BRAT standoff. ``T`` lines are spans (Source / Cue / Content / Attribution, fragments ``s e;s e``), ``E``
lines link one attribution's spans. When several annotators annotated a text, the first ``.ann`` file in
sorted order is used.

Gold quotes
    A plain quote-mark scan (curly and straight marks; a passage left open at a paragraph end continues when
    the next paragraph opens with a mark; a curly mark whose context plainly contradicts it, as in a paragraph
    typed ”Mr. Trump embodies …”, is read by its context) finds quoted passages. A passage is gold when most
    of it lies inside an annotated Content span; consecutive passages of the same attribution separated only
    by text outside its content (“…,” Singh said. “…”) form one gold quote. Gold quotes of fewer than 5 words
    are dropped. The gold speaker is the text of the attribution's Source span.

Matching
    Quotes are compared as sets of lower-cased word tokens (``digests.text.words``). Gold and extractor cut
    quotations differently: a gold quote joins every passage of one attribution, even across a long
    interruption (“…,” Sanders said, invoking the 2008 race. “…”), while the extractor joins passages only
    across a bare attribution, which annotators sometimes split into two attributions. So a predicted and a
    gold quote are linked when one lies mostly (by characters) inside the other, and each connected group is
    pooled: its quotes all match when the pooled words have Jaccard similarity ≥ 0.5. Quotes left over are
    matched one-to-one by Jaccard ≥ 0.5, greedily, best pair first. Precision = matched predicted / predicted,
    recall = matched gold / gold; a gold quote's predicted speaker is that of the linked quote overlapping it
    most.

Speakers
    A gold speaker names someone when, after dropping parentheses, an apposition after a comma, and a tail
    such as "Carper of Delaware" ("of"/"from" after a capitalised word that is not an office such as
    "Secretary of State …"), "an adviser to Trump" ("to"/"for"/"at"/"with" after a lower-case word) or
    "who …", a conjunct ("Trump and Ryan" has two) ends in a capitalised word that is not a pronoun and does
    not open with an indefinite word. Names: "Trump", "Mr. Trump", "Sen. Ted Cruz (R-Texas)", "Sen. Tom Carper of
    Delaware", "Monte Shaw, executive director of …", "Democrats". Not names: "he", "Another", "a campaign
    spokesman", "the Trump campaign", "a Nevada Democrat", "an adviser to Trump". The keys are those last
    words ("Cruz", "Shaw"); a predicted speaker is right when one of its words equals a key, ignoring case.
    "spk acc" is over matched gold quotes with a named speaker; "spk all" is over every gold quote with a
    named speaker, an unmatched quote or a missing speaker counting as wrong.

The baseline is the plain quote-mark scan itself: every passage of 5 words or more, no attribution at all.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digests.quotes import MIN_QUOTE_WORDS, extract_quotes
from digests.text import paragraph_spans, split_sentences, words

DEFAULT_DATA = Path("/work/shared/data/polnear")
SEED = Path(__file__).resolve().parent.parent / "tests" / "data" / "seed_hmc.txt"
SPEED_BYTES = 10_000_000
MATCH_JACCARD = 0.5
# Dev articles that shaped rules or tests: the former regression sample of tests/data/polnear, and the article
# the inline dash signature ("“…” ― Name") and a paragraph opened by a backwards ” were written from.
# ``--unseen`` leaves them out, so the dev figure is one on articles no rule was written from.
SEEN_DEV = frozenset(
    {
        "breitbart_2016-09-15_pat-caddell-democrat-voters-worr",
        "huff-post_2016-09-20_elizabeth-warren-hammers-wells-f",
        "politico_2016-09-08_flynn-says-trump-absolutely-righ",
        "politico_2016-09-16_sanders-clinton-needs-to-get-awa",
        "west-journal_2016-09-14_clinton-hid-past-health-problems",
        "huff-post_2016-09-27_latinos-share-their-most-honest-",
    }
)
_PRONOUNS = frozenset(
    {
        "he",
        "she",
        "it",
        "they",
        "we",
        "i",
        "you",
        "who",
        "which",
        "that",
        "this",
        "his",
        "her",
        "their",
        "him",
        "another",
        "one",
        "both",
        "some",
        "others",
        "all",
    }
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Words before "of" that make a title ("Secretary of State Hillary Clinton"), not a name and its employer.
_OFFICES = frozenset(
    {
        "secretary",
        "security",
        "state",
        "department",
        "minister",
        "director",
        "president",
        "chairman",
        "head",
        "governor",
        "mayor",
        "speaker",
        "leader",
        "member",
        "chief",
        "house",
        "attorney",
        "chair",
        "editor",
    }
)
_INDEFINITE = frozenset({"a", "an", "one", "another", "some", "two", "three", "several", "many"})


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


# --- loading -----------------------------------------------------------------------------------------------


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


# --- gold and baseline -------------------------------------------------------------------------------------


# Double marks of every convention: straight and curly, two apostrophes (''…'', newspaper archives),
# typewriter (``…''), German („…“), guillemets («…», ‹…›).
_DOUBLE = re.compile(r"''|``|[\"“”„«»‹›]")
_SAY_OPEN = frozenset({"``", "„", "«", "‹"})
_SAY_CLOSE = frozenset({"»", "›"})
# Single marks as British outlets quote speech: an opening one after a space before a letter, a closing one
# after a letter or punctuation before a space or punctuation; not an elision ('90s, 'em) nor "Jones' book".
_SINGLE_OPEN = re.compile(r"(?<![^\s(\[—–-])['‘](?=[^\W\d_])(?!(?:em|tis|n|cause|til)\b)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?])['’](?![\w])(?<!s')(?<!s’)|(?<=s)['’](?=[.,;:!?]|\s+[A-Z]|\s*$)")


def _opens(body: str, at: int, mark: str) -> bool:
    """Whether the mark ``mark`` at ``at`` opens a quotation: ``, „, « and ‹ open, » and › close; a straight
    one (or two apostrophes) opens after a space; a curly one says so itself unless its context plainly says
    otherwise (a ” after a space and before a letter, as in a paragraph typed ”Mr. Trump embodies …”, opens; a “
    after a letter and before a space closes)."""
    if mark in _SAY_OPEN or mark in _SAY_CLOSE:
        return mark in _SAY_OPEN
    after_space = at == 0 or body[at - 1].isspace() or body[at - 1] in "([{—–-"
    if mark == "”" and after_space and body[at + 1 : at + 2].isalnum():
        return True
    if mark == "“" and body[at - 1 : at].isalnum() and body[at + 1 : at + 2] in ("", " ", "\n"):
        return False
    if mark in "“”":
        return mark == "“"
    return after_space


def plain_scan(body: str) -> list[Span]:
    """Quoted passages by quote marks alone, paragraph by paragraph, with the multi-paragraph convention; then
    passages in single marks outside them, within a paragraph."""
    spans = list(paragraph_spans(body))
    passages: list[Span] = []
    parts: list[str] = []
    first = -1  # start of the open passage's text, -1 outside a quote
    piece = 0
    for number, (lo, hi) in enumerate(spans):
        for match in _DOUBLE.finditer(body, lo, hi):
            at, mark = match.start(), match.group()
            if first >= 0 and at == lo:
                piece = match.end()  # the continuation mark of a quote carried over from the last paragraph
            elif first < 0 and _opens(body, at, mark):
                first = piece = match.end()
                parts = []
            elif first >= 0 and not _opens(body, at, mark):
                parts.append(body[piece:at].strip())
                passages.append(Span(" ".join(parts), first, at))
                first = -1
        if first >= 0:
            parts.append(body[piece:hi].strip())
            nxt = spans[number + 1][0] if number + 1 < len(spans) else None
            reopened = nxt is not None and (m := _DOUBLE.match(body, nxt)) is not None and _opens(body, nxt, m.group())
            if not reopened:
                passages.append(Span(" ".join(parts), first, hi))
                first = -1
    return sorted(passages + _single_scan(body, spans, passages), key=lambda p: p.start)


def _single_scan(body: str, spans: list[tuple[int, int]], doubles: list[Span]) -> list[Span]:
    """Passages in single marks outside the double-quoted ones, each within its paragraph."""
    found: list[Span] = []
    for lo, hi in spans:
        inside = [(p.start - 1, p.end + 1) for p in doubles if p.start < hi and p.end > lo]
        opened = -1
        for match in re.finditer(r"['‘’]", body[lo:hi]):
            at = lo + match.start()
            if any(s <= at < e for s, e in inside):
                continue
            if opened < 0 and _SINGLE_OPEN.match(body, at):
                opened = at + 1
            elif opened >= 0 and _SINGLE_CLOSE.match(body, at):
                found.append(Span(body[opened:at].strip(), opened, at))
                opened = -1
    return found


def baseline(body: str) -> list[Span]:
    """The plain scan's passages of at least ``MIN_QUOTE_WORDS`` words."""
    return [p for p in plain_scan(body) if len(words(p.text)) >= MIN_QUOTE_WORDS]


def _inside(start: int, end: int, fragments: Sequence[tuple[int, int]]) -> int:
    """How many characters of ``[start, end)`` lie inside ``fragments``."""
    return sum(max(0, min(end, e) - max(start, s)) for s, e in fragments)


def gold_quotes(article: Article) -> list[Span]:
    """Gold direct quotes of an article (see the module docstring)."""
    owned: list[tuple[int, Span]] = []  # (attribution index, passage)
    for passage in plain_scan(article.body):
        length = max(passage.end - passage.start, 1)
        for index, attribution in enumerate(article.attributions):
            if _inside(passage.start, passage.end, attribution.content) * 2 > length:
                owned.append((index, passage))
                break
    quotes: list[Span] = []
    last_index = -1
    for index, passage in owned:
        content = article.attributions[index].content
        if quotes and index == last_index and _inside(quotes[-1].end + 1, passage.start - 1, content) == 0:
            prev = quotes[-1]
            quotes[-1] = Span(prev.text + " " + passage.text, prev.start, passage.end, prev.speaker)
        else:
            quotes.append(Span(passage.text, passage.start, passage.end, article.attributions[index].source))
        last_index = index
    return [q for q in quotes if len(words(q.text)) >= MIN_QUOTE_WORDS]


def name_keys(speaker: str | None) -> frozenset[str]:
    """Lower-cased last words of the names in a gold speaker; empty when it names no one (see the module
    docstring)."""
    text = re.sub(r"\([^)]*\)?", " ", speaker or "").split(",")[0]
    tokens: list[str] = [re.sub(r"['’]s?$", "", t).rstrip(".") for t in re.findall(r"[^\W\d_][\w.’'-]*", text)]
    for i, token in enumerate(tokens[1:], start=1):
        if (
            token in {"who", "which", "that"}
            or (token in {"to", "for", "at", "with"} and tokens[i - 1][:1].islower())
            or (token in {"of", "from"} and tokens[i - 1][:1].isupper() and tokens[i - 1].lower() not in _OFFICES)
        ):
            # "Sen. Tom Carper of Delaware", "an adviser to Trump", "a member who backs Trump"
            tokens = tokens[:i]
            break
    keys: set[str] = set()
    conjuncts = " ".join(tokens).replace(" & ", " and ").split(" and ")
    for conjunct in conjuncts:  # "Trump and Ryan"
        words_ = conjunct.split()
        while len(words_) > 1 and words_[-1].lower() in _SUFFIXES:
            words_.pop()
        named = words_ and words_[-1][:1].isupper() and words_[-1].lower() not in _PRONOUNS
        if named and words_[0].lower() not in _INDEFINITE:  # not "a Nevada Democrat": someone unnamed
            keys.add(words_[-1].lower())
    return frozenset(keys)


# --- scoring -----------------------------------------------------------------------------------------------


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


def speaker_right(predicted: str | None, keys: frozenset[str]) -> bool:
    """Whether a predicted speaker shares a key word of the gold names."""
    return predicted is not None and not keys.isdisjoint(w.lower() for w in words(predicted))


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


def speed(size: int = SPEED_BYTES) -> tuple[float, int]:
    """Seconds to extract quotes from a body of ``size`` characters (copies of the seed release), and how many
    quotes were found. Speed is measured here, never asserted by a timed unit test."""
    seed = SEED.read_text(encoding="utf-8")
    body = "\n".join([seed] * (size // len(seed) + 1))
    started = time.perf_counter()
    found = extract_quotes(body, ())
    return time.perf_counter() - started, len(found)


def british(path: Path) -> None:
    """Print how many stories of a CNN/DM JSONL file (``text`` field) quote with single marks only (no double
    mark of any kind: the British convention of the Daily Mail), how many quotes are found in them and how many
    of those have a speaker; for the reader to check by eye with ``--errors``-style listing below."""
    stories = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    single = [text for text in stories if not re.search(r"[\"“”„«»]|''|``", text)]
    found = [q for text in single for q in ours(text)]
    print(f"{len(stories)} stories, {len(single)} quote with single marks only")
    print(f"quotes found in those: {len(found)}, with a speaker: {sum(q.speaker is not None for q in found)}")


# --- the table ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", action="store_true", help="list missed, extra and mis-attributed quotes")
    parser.add_argument("--speed", action="store_true", help="also time extraction on a 10 MB body")
    parser.add_argument("--unseen", action="store_true", help="leave out the dev articles rules were written from")
    parser.add_argument("--british", type=Path, default=None, help="CNN/DM JSONL: quotes in single-mark stories")
    args = parser.parse_args(argv)
    if args.british is not None:
        british(args.british)
        return 0
    articles = load_articles(args.data / args.split, args.limit)
    if args.unseen:
        articles = [a for a in articles if a.name not in SEEN_DEV]
    print(f"PolNeAR {args.split}: {len(articles)} articles" + (" (unseen)" if args.unseen else ""))
    header = (
        f"{'extractor':<10} {'pred':>5} {'gold':>5} {'P':>6} {'R':>6} {'F1':>6} {'spk acc':>8} {'spk all':>8}"
        f" {'sec':>6}"
    )
    print(header)
    print("-" * len(header))
    for extractor in ("baseline", "ours"):
        started = time.perf_counter()
        result = score(articles, extractor, keep_errors=args.errors and extractor == "ours")
        elapsed = time.perf_counter() - started
        speaker = extractor == "ours"
        acc = f"{result.speaker_accuracy:8.3f}" if speaker else f"{'-':>8}"
        overall = f"{result.speaker_overall:8.3f}" if speaker else f"{'-':>8}"
        print(
            f"{extractor:<10} {result.predicted:>5} {result.gold:>5} {result.precision:6.3f} {result.recall:6.3f}"
            f" {result.f1:6.3f} {acc} {overall} {elapsed:6.2f}"
        )
        if speaker:
            print(f"named-speaker gold quotes: {result.named_gold}, of them matched: {result.named_matched}")
        for line in result.errors:
            print(line)
    if args.speed:
        seconds, found = speed()
        print(f"10 MB body: {seconds:.2f} s, {found} quotes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
