"""Putting it together: passages joined into quotations, each given an attribution, resolved into Quote values."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence

from digests.models import Quote, Sentence
from digests.quotes.attributions import Attribution, find_attributions
from digests.quotes.fallbacks import paragraph_before_subject, sentence_subject, weak_attribution
from digests.quotes.lexicon import PREPOSITIONS, TIME_WORDS, TITLE_SMALL_WORDS
from digests.quotes.passages import Passage, ends_in_stop, quoted_passages
from digests.quotes.speakers import NAME_RUN, SpeakerResolver
from digests.quotes.tokens import (
    REACH,
    WINDOW,
    Token,
    opened_paragraph,
    paragraph_start,
    sentence_before,
    sentence_ends_in,
    tokenize,
)
from digests.text import paragraph_spans, words

MIN_QUOTE_WORDS = 5

# A capitalised word after a lower-case word or comma: a name, not a capitalised sentence opener.
MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z,] )[A-Z][\w’'-]*")


class AttributionIndex:
    """The attributions of a body, sorted by start, with look-ups relative to quote marks."""

    def __init__(self, body: str, items: list[Attribution]) -> None:
        self.body = body
        self.items = items
        self._starts = [a.start for a in self.items]

    def nearest(self, passage: Passage) -> Attribution | None:
        """The attribution of a passage's own sentence: one earlier in it (“Trump claimed that “…,” one of the
        prosecutors said": the speech verb opening the sentence wins, unless in a subordinate clause, "When
        Sanders said …, he “…,” said Heiserman"), one right after the passage, or one later in the sentence."""
        index = self.before(passage)
        if index is None or self.subordinate(index, passage):
            following = self.after(passage)
            index = following if following is not None else index
        if index is None:
            index = self.later(passage)
        return self.items[index] if index is not None else None

    def after(self, passage: Passage) -> int | None:
        """Index of the attribution right after a passage's closing mark (“…,” Singh said), if any."""
        i = bisect.bisect_left(self._starts, passage.close_at)
        if i == len(self.items) or self.items[i].distant or self.items[i].start - passage.close_at > WINDOW:
            return None
        attribution = self.items[i]
        subject_first = attribution.mention.start == attribution.start
        if ends_in_stop(self.body, passage) and subject_first and not self._bare(attribution):
            return None  # “… overlook.” The star then recalled an incident …: a new sentence, not “….” Trump said.
        return None if self.body[passage.close_at : self.items[i].start].strip(" ,—–―-\t") else i

    def _bare(self, attribution: Attribution) -> bool:
        """Whether a "Name said" attribution stands alone, its verb taking no object: "Trump said.", "Murphy
        tweeted on Friday", not "The star then recalled an incident" or "Kasich said he would have …"."""
        follows = tokenize(self.body, attribution.end, min(len(self.body), attribution.end + 30))[:1]
        if not follows or follows[0].text in {".", ",", ":"}:
            return True
        word = follows[0].bare
        adverbial = word in PREPOSITIONS or word in TIME_WORDS or (word.isalpha() and word.endswith("ly"))
        return adverbial and attribution.mention.name is not None

    def before(self, passage: Passage) -> int | None:
        """Index of the last attribution before a passage in its sentence ("Singh said: “…”", "Clinton
        said the plan was “…”", "Dr. Ward stated:" ending the paragraph before), if any."""
        j = bisect.bisect_left(self._starts, passage.open_at) - 1
        if j < 0 or not 0 <= passage.open_at - self.items[j].end <= REACH:
            return None
        gap = self.body[self.items[j].end : passage.open_at]
        if sentence_ends_in(self.body, self.items[j].end, passage.open_at):
            return None
        # "Dr. Ward stated:" may end the paragraph before the quote.
        if "\n" in gap and not gap.rstrip().endswith(":"):
            return None
        return j

    def subordinate(self, index: int, passage: Passage) -> bool:
        """Whether attribution ``index`` before a passage is in a subordinate clause that ends before it
        ("When Sanders said …, he “…,” said Drew Heiserman"), so that one right after the passage wins; not
        when the quote is its object ("even as Trump claimed that “…,” one of the prosecutors said")."""
        attribution = self.items[index]
        gap = self.body[attribution.end : passage.open_at]
        return attribution.subordinate and re.search(r",\s+\w", gap) is not None

    def later(self, passage: Passage) -> int | None:
        """Index of an attribution later in the sentence a passage ends in (“…,” and donations picked up,
        Gilbert said; “…” and “…,” Dean proclaimed), if any."""
        i = bisect.bisect_left(self._starts, passage.close_at)
        if i == len(self.items) or self.items[i].start - passage.close_at > REACH:
            return None
        if ends_in_stop(self.body, passage):
            return None  # the sentence ended inside the quote: “… is broken.” Clinton said Wednesday …
        start = self.items[i].start
        gap = self.body[passage.close_at : start]
        return None if "\n" in gap or ";" in gap or sentence_ends_in(self.body, passage.close_at, start) else i

    def ending_paragraph_before(self, passage: Passage) -> int | None:
        """Index of the last attribution of the paragraph just before a passage that opens its paragraph."""
        line_start = opened_paragraph(self.body, passage.open_at)
        if line_start is None:
            return None
        j = bisect.bisect_left(self._starts, line_start) - 1
        if j < 0 or line_start - self.items[j].end > REACH:
            return None
        return j if "\n" not in self.body[self.items[j].end : line_start].strip() else None

    def joins(self, prev: Passage, passage: Passage) -> bool:
        """Whether only an attribution stands between two passages (“…,” Singh said. “…”), in the same or
        the next paragraph, and the second has no attribution of its own."""
        i = self.after(prev)
        if i is None or self.items[i].weak or self.items[i].end > passage.open_at:
            return False
        if self.after(passage) is not None:
            return False
        attribution = self.items[i]
        if passage.open_at - attribution.end > WINDOW or "\n" in self.body[attribution.start : attribution.end]:
            return False
        if self.body.count("\n", prev.close_at, passage.open_at) > 1:
            return False
        tail = tokenize(self.body, attribution.end, passage.open_at)
        if tail and tail[-1].is_word:
            return False  # the second passage is what was said: "Fiorina said Ted Cruz “says whatever …”"
        # A few words may follow the verb ("told reporters", "in a statement"), but no other sentence.
        ended = False
        for token in tail:
            if (token.is_word and ended) or token.text in "?!;":
                return False
            ended = ended or token.text == "."
        return len([t for t in tail if t.is_word]) <= 3


def group_passages(passages: list[Passage], attributions: AttributionIndex) -> Iterator[list[int]]:
    """Indexes of passages grouped into quotations: a passage joins the previous one across a bare
    attribution."""
    group: list[int] = []
    for k, passage in enumerate(passages):
        if group and attributions.joins(passages[group[-1]], passage):
            group.append(k)
            continue
        if group:
            yield group
        group = [k]
    if group:
        yield group


def quote_text(body: str, group: list[Passage]) -> tuple[str, int, int]:
    """Text, start and end of a quotation; parts are joined by " … " and a trailing comma is dropped."""
    parts = [" ".join(body[s:e] for s, e in passage.pieces if e > s).rstrip(",").rstrip() for passage in group]
    start = group[0].pieces[0][0]
    end = group[-1].pieces[-1][1]
    tail = body[start:end]
    end -= len(tail) - len(tail.rstrip(",").rstrip())
    return " … ".join(part for part in parts if part), start, end


def is_title(tokens: Sequence[str]) -> bool:
    """Whether quoted words are a title rather than speech: every main word capitalised, as in a book, show
    or headline ("13 Hours: The Secret Soldiers of Benghazi")."""
    main = [w for w in tokens if w.lower() not in TITLE_SMALL_WORDS]
    return len(main) >= 3 and all(w[0].isupper() for w in main)


def passage_speakers(
    body: str, passages: list[Passage], attributions: AttributionIndex, name_words: frozenset[str]
) -> list[Attribution | None]:
    """For each passage, its attribution (None when nothing names a speaker), the first found of:

    1. an attribution earlier in its sentence, right after it, or later in its sentence;
    2. a weak one (see :func:`weak_attribution`);
    3. that of the previous passage, when in the same paragraph (“His legend lives on,” Spencer said, as …
       “His stories will live on.”) or ending the paragraph before (a paragraph of quote continuing it);
    4. for a passage opening its sentence, the named subject of the sentence before;
    5. for a passage opening its paragraph, the last attribution of the paragraph before, or the subject of
       that paragraph's last sentence when it ends with a colon or quotes no one before a paragraph of quote.
    """
    found: list[Attribution | None] = []
    for k, passage in enumerate(passages):
        attribution = attributions.nearest(passage)
        current: list[Token] = []
        previous = (0, 0)
        if attribution is None:
            current, previous = sentence_before(body, passage.open_at)
            attribution = weak_attribution(body, passage, current, name_words)
        if attribution is None and k > 0 and _continues(body, passages[k - 1], passage):
            attribution = found[k - 1]
        if attribution is None and not any(t.is_word for t in current):
            # A quote opening a sentence after one about a named person: "Clinton touted her credentials.
            # “We need …”"
            attribution = sentence_subject(body, tokenize(body, *previous), name_words)
        if attribution is None:
            # A paragraph of quote after a paragraph that ends attributing something to someone ("Clinton
            # responded by pointing a finger …, saying the Sanders campaign was lying.")
            index = attributions.ending_paragraph_before(passage)
            attribution = attributions.items[index] if index is not None else None
        if attribution is None:
            attribution = paragraph_before_subject(body, passage, name_words)
        found.append(attribution)
    return found


def _continues(body: str, prev: Passage, passage: Passage) -> bool:
    """Whether a passage is in the same paragraph as the one before, or opens the paragraph right after it (not
    one with a whole paragraph of other text between them)."""
    gap = body[prev.close_at : passage.open_at]
    if "\n" not in gap:
        return True
    return (
        not gap[gap.index("\n") :].strip()
        and not body[paragraph_start(body, passage.open_at, WINDOW) : passage.open_at].strip()
    )


def extract_quotes(body: str, sentences: Sequence[Sentence]) -> tuple[Quote, ...]:
    """Direct quotations of at least ``MIN_QUOTE_WORDS`` words in ``body``, in document order.

    ``sentences`` are the body's sentences (from :func:`digests.text.split_sentences`); each quote reports
    the sentence and paragraph it starts in. A quotation interrupted only by its attribution is one
    ``Quote`` whose parts are joined by " … ". ``score`` and ``rank`` are left at zero for the ranking step.
    """
    spans = list(paragraph_spans(body))
    original = body
    # Speakers are read on the body with every quote mark rewritten as “ or ”; the quoted text is the original.
    body, passages = quoted_passages(body, spans)
    passages = [p for p in passages if any(e > s for s, e in p.pieces)]
    if not passages:
        return ()
    runs = [(m.start(), m.group()) for m in NAME_RUN.finditer(body)]
    name_words = frozenset(MID_SENTENCE_CAPITAL.findall(body))
    attributions = AttributionIndex(body, find_attributions(body, spans, name_words))
    said = passage_speakers(body, passages, attributions, name_words)
    # Resolve every attribution in document order, so surnames and he/she see the speakers named before.
    weak = {a for a in said if a is not None and a.weak}
    speakers = SpeakerResolver(body, runs, name_words)
    resolved = {a: speakers.resolve(a) for a in sorted([*attributions.items, *weak], key=lambda a: a.start)}
    sentence_starts = [s.start for s in sentences]
    out: list[Quote] = []
    for group in group_passages(passages, attributions):
        text, start, end = quote_text(original, [passages[k] for k in group])
        quoted = words(text)
        if len(quoted) < MIN_QUOTE_WORDS or is_title(quoted) or "<" in text or ">" in text:
            continue  # too short, a title, or markup such as <tweet author="…">
        attribution = next((said[k] for k in group if said[k] is not None), None)
        speaker, title = resolved[attribution] if attribution is not None else (None, None)
        sentence = sentences[max(bisect.bisect_right(sentence_starts, start) - 1, 0)] if sentences else None
        out.append(
            Quote(
                text=text,
                speaker=speaker,
                speaker_title=title,
                sentence_idx=sentence.idx if sentence else 0,
                paragraph=sentence.paragraph if sentence else 0,
                start=start,
                end=end,
            )
        )
    return tuple(out)
