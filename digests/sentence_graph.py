"""Sentences as sumy sees them, their content terms, and the sentence graphs (LexRank's cosine similarities and
TextRank's edge weights) built with numpy: pure, no I/O. :mod:`digests.summarize` ranks sentences with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import Any

import numpy as np
import numpy.typing as npt
from sumy.models.dom import ObjectDocumentModel, Paragraph
from sumy.models.dom import Sentence as SumySentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from digests.models import Sentence
from digests.text import OfflineTokenizer

Matrix = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

LANGUAGE = "english"
STOP_WORDS = get_stop_words(LANGUAGE)

# Snowball stemming dominates the cost on long releases; a release vocabulary repeats across releases, so a
# bounded cache makes it nearly free. Still sumy's stemmer, just memoised.
stem = lru_cache(maxsize=1 << 16)(Stemmer(LANGUAGE))

TOKENIZER = OfflineTokenizer()
PAIR_BATCH = 1 << 20  # sentence pairs summed at once in Terms.shared_products: bounds its memory (~50 MB)


class _IndexedSentence(SumySentence):  # type: ignore[misc]  # sumy ships no type hints
    """A sumy sentence that is equal only to itself.

    sumy's sentences compare by text and its summarizers key ratings by sentence, so two identical sentences
    would share one rating; keying by our index keeps sumy's ratings aligned one for one with our sentences.
    """

    __slots__ = ("idx",)

    def __init__(self, idx: int, text: str) -> None:
        super().__init__(text, TOKENIZER)
        self.idx = idx

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _IndexedSentence) and other.idx == self.idx

    def __hash__(self) -> int:
        return hash(self.idx)


def build_document(sentences: Sequence[Sentence]) -> Any:
    """sumy's document model of our sentences: one sumy sentence per sentence, grouped by paragraph."""
    paragraphs = [
        Paragraph([_IndexedSentence(s.idx, s.text) for s in group])
        for _, group in groupby(sentences, key=lambda s: s.paragraph)
    ]
    return ObjectDocumentModel(paragraphs)


def configure(summarizer: Any) -> Any:
    """A sumy summarizer with our stop words."""
    summarizer.stop_words = STOP_WORDS
    return summarizer


# sumy's LexRank and TextRank pick a sentence's terms with the same ``_to_words_set``: normalise each word, drop
# stop words, stem the rest. This instance supplies those steps for :func:`content_term`.
_TERM_PICKER = configure(LexRankSummarizer(stem))


@lru_cache(maxsize=1 << 16)
def content_term(word: str) -> str | None:
    """What sumy's ``_to_words_set`` makes of one word: its normalised stem, or None for a stop word.

    Memoised per word: per token, sumy's normalising and stemming cost more than all of the numpy below.
    """
    normal: str = _TERM_PICKER.normalize_word(word)
    if normal in _TERM_PICKER.stop_words:
        return None
    term: str = _TERM_PICKER.stem_word(normal)
    return term


@dataclass(frozen=True, slots=True)
class Terms:
    """The sentence × term count matrix of a document, kept sparse: one entry per (sentence, term) present."""

    sentences: int
    rows: IndexArray  # sentence of each entry
    cols: IndexArray  # term of each entry
    counts: Matrix  # occurrences of the term in the sentence
    frequency: IndexArray  # per term: how many sentences contain it
    vocabulary: dict[str, int]  # term -> column

    def shared_products(self, values: Matrix) -> Matrix:
        """Sentence × sentence sums, over the terms two sentences share, of the product of their ``values``.

        That is ``V @ V.T`` for the sentence × term matrix ``V`` of ``values`` (one per entry), computed from the
        pairs of entries of each term seen in two or more sentences: a release has few such pairs, and a dense
        BLAS product of this size would start threads that fight the bot's (and make timings erratic).
        The diagonal only counts those shared terms.
        """
        keep = self.frequency[self.cols] > 1
        rows, cols, kept = self.rows[keep], self.cols[keep], values[keep]
        by_term = np.argsort(cols, kind="stable")
        rows, cols, kept = rows[by_term], cols[by_term], kept[by_term]
        n = self.sentences
        products = np.zeros(n * n)
        # A term in k sentences makes k² pairs: taken a batch of terms at a time, so that a release whose sentences
        # all share words (a table, a list) never holds more than about PAIR_BATCH pairs at once. An ordinary
        # release is one batch, summed exactly as before.
        pairs_through = np.cumsum(self.frequency[cols])  # pairs of the entries up to each one, in term order
        batch = 0
        while batch < len(cols):
            # Whole terms only: the batch ends where a term ends, past at least one term.
            limit = np.searchsorted(pairs_through, (pairs_through[batch - 1] if batch else 0) + PAIR_BATCH, "right")
            end = int(np.searchsorted(cols, cols[max(limit, batch + 1) - 1], side="right"))
            self._add_pairs(products, rows[batch:end], cols[batch:end], kept[batch:end])
            batch = end
        return products.reshape(n, n)

    def _add_pairs(self, products: Matrix, rows: IndexArray, cols: IndexArray, kept: Matrix) -> None:
        """Add to ``products`` (flat n × n) the products of every pair of entries of the same term."""
        sizes = self.frequency[cols]  # each entry pairs with every entry of its term, itself included
        first = np.searchsorted(cols, cols)  # where each entry's term starts
        left = np.repeat(np.arange(len(cols)), sizes)
        right = np.repeat(first, sizes) + np.arange(len(left)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        n = self.sentences
        products += np.bincount(rows[left] * n + rows[right], weights=kept[left] * kept[right], minlength=n * n)

    def per_sentence(self, values: Matrix) -> Matrix:
        """Sum of ``values`` (one per entry) for each sentence."""
        return np.asarray(np.bincount(self.rows, weights=values, minlength=self.sentences), dtype=np.float64)


def term_counts(document: Any) -> Terms:
    """Counts of each sentence's terms as sumy's LexRank and TextRank choose them (see :func:`content_term`)."""
    vocabulary: dict[str, int] = {}
    flat: list[tuple[int, int]] = []
    for row, sentence in enumerate(document.sentences):
        for word in sentence.words:
            term = content_term(word)
            if term is not None:
                flat.append((row, vocabulary.setdefault(term, len(vocabulary))))
    pairs = np.array(flat, dtype=np.intp).reshape(-1, 2)
    # (row, col) as one integer, row-major: the same order as the unique rows of ``pairs``, at a fraction of
    # ``np.unique(axis=0)``'s cost.
    width = max(len(vocabulary), 1)
    keys, counts = np.unique(pairs[:, 0] * width + pairs[:, 1], return_counts=True)
    rows, cols = keys // width, keys % width
    frequency = np.bincount(cols, minlength=len(vocabulary))
    return Terms(len(document.sentences), rows, cols, counts.astype(np.float64), frequency, vocabulary)


def lexrank_similarity(terms: Terms) -> Matrix:
    """sumy LexRank's idf-modified cosine between every pair of sentences, computed with numpy."""
    n = terms.sentences
    max_tf = np.zeros(n)
    np.maximum.at(max_tf, terms.rows, terms.counts)
    idf = np.log(n / (1.0 + terms.frequency))
    weighted = terms.counts / max_tf[terms.rows] * idf[terms.cols]
    norms = np.sqrt(terms.per_sentence(weighted**2))
    safe = np.where(norms > 0, norms, 1.0)
    similarity: Matrix = terms.shared_products(weighted) / np.outer(safe, safe)
    # Terms of one sentence only count on the diagonal: a sentence with any weighted term has cosine 1 with
    # itself, and one without is similar to nothing, itself included (as in sumy).
    np.fill_diagonal(similarity, 1.0)
    similarity[norms == 0, :] = 0.0
    similarity[:, norms == 0] = 0.0
    return similarity


def lexrank_scores(similarity: Matrix) -> Matrix:
    """sumy's LexRank ratings of every sentence from :func:`lexrank_similarity`, with sumy's power method."""
    adjacency = (similarity > LexRankSummarizer.threshold).astype(np.float64)
    if not adjacency.any():  # sumy's power method would divide by zero
        return np.zeros(len(adjacency))
    degrees = adjacency.sum(axis=1)
    matrix = adjacency / np.where(degrees > 0, degrees, 1.0)[:, None]
    scores: Matrix = LexRankSummarizer.power_method(matrix, LexRankSummarizer.epsilon)
    return scores


def textrank_weights(terms: Terms) -> Matrix:
    """sumy TextRank's edge weights between every pair of sentences, a sentence and itself included, with numpy.

    The weight is the number of shared words over the sum of the two sentences' log lengths (Mihalcea & Tarau
    2004); unlike the paper, sumy also rates each sentence against itself, and so do we.
    """
    common = terms.shared_products(terms.counts)  # sumy: sum(words2.count(w) for w in words1)
    np.fill_diagonal(common, terms.per_sentence(terms.counts**2))
    lengths = terms.per_sentence(terms.counts)
    log_lengths = np.log(np.where(lengths > 0, lengths, 1.0))
    norm = log_lengths[:, None] + log_lengths[None, :]
    # log(a) + log(b) is 0 only for two one-word sentences; sumy then rates them by the shared-word count.
    single = np.outer(lengths == 1, lengths == 1)
    linked = np.divide(common, norm, out=np.zeros_like(common), where=norm > 0)
    weights: Matrix = np.where(single, common, linked)
    return weights


def _textrank_walk(weights: Matrix, jumps: Matrix | None = None) -> Matrix:
    """sumy TextRank's ratings for edge ``weights``: PageRank by sumy's power method.

    The random jumps land by ``jumps`` (a distribution over sentences), or uniformly, as in sumy.
    """
    n = len(weights)
    transitions = weights / (weights.sum(axis=1)[:, None] + TextRankSummarizer._ZERO_DIVISION_PREVENTION)
    damping = TextRankSummarizer.damping
    # Uniform jumps in sumy's own arithmetic: a last-bit difference would break sumy's exact ties differently.
    teleport = np.full((n, n), (1.0 - damping) / n) if jumps is None else (1.0 - damping) * jumps[None, :]
    matrix = teleport + damping * transitions
    scores: Matrix = TextRankSummarizer.power_method(matrix, TextRankSummarizer.epsilon)
    return scores


def textrank_scores(terms: Terms) -> Matrix:
    """sumy's TextRank ratings of every sentence, with the edge weights computed with numpy."""
    return _textrank_walk(textrank_weights(terms))


def news_centrality(terms: Terms, jumps: Matrix) -> Matrix:
    """TextRank as its paper defines it, personalised: sumy's edge weights without sumy's self-loops.

    sumy rates a sentence against itself by all of its words, so its self-loop is usually its heaviest edge: the
    walk lingers where it is, and a sentence few others link to keeps its share, one linked to nothing keeps
    all of it. Without them, rank comes only from the sentences that link to a sentence. The random jumps land
    by ``jumps`` (a distribution over sentences); a sentence sharing no term with another has no edge, so its
    walk jumps (the usual treatment of dangling nodes: no mass is lost).
    """
    weights = textrank_weights(terms)
    np.fill_diagonal(weights, 0.0)
    weights[weights.sum(axis=1) == 0] = jumps
    return _textrank_walk(weights, jumps)
