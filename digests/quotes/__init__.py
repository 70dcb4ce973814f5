"""Direct quotations and who said them. Pure functions, no I/O.

The pipeline, one module a stage, linear in the size of the body (every look-around is bounded):

1. :mod:`.marks` — which characters are quote marks and whether each opens or closes a quotation.
2. :mod:`.passages` — quoted passages, paragraph by paragraph (nested quotes stay inside; a passage left open
   at a paragraph end continues when the next paragraph opens with a quote mark).
3. :mod:`.attributions` — every speech verb with its speaker ("Singh said", "said Singh", "…, saying"), read
   by :mod:`.mentions` as a [title] name, a pronoun or a description; :mod:`.fallbacks` finds weaker evidence
   where no speech verb is near a quote (a signature, "Name:", the subject of the sentence).
4. :mod:`.speakers` — resolves speakers in document order: a bare surname takes the full name seen earlier,
   he/she the last named speaker of a compatible gender, "the judge" the last person with that title.
5. :mod:`.assembly` — joins passages split by a bare attribution, gives each quotation its attribution and
   builds the :class:`~digests.models.Quote` values.

:mod:`.tokens` holds the shared tokenizer and sentence helpers; :mod:`.lexicon` loads the word lists kept in
``data/``.
"""

from digests.quotes.assembly import MIN_QUOTE_WORDS, extract_quotes

__all__ = ["MIN_QUOTE_WORDS", "extract_quotes"]
