"""The names of the summary algorithms, apart from their code: settings check them without importing sumy/NLTK."""

from __future__ import annotations

ALGORITHMS: tuple[str, ...] = ("news", "lead", "lexrank", "lsa", "textrank", "luhn", "sumbasic", "kl")
