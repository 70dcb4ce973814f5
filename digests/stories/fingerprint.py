"""MinHash fingerprints of release bodies and the LSH band keys that find near-duplicates without a scan.

A body becomes the set of its word 5-shingles; a MinHash signature estimates the Jaccard similarity of two such
sets, and the signature cut into bands gives keys that two near-duplicates share with high probability while
unrelated texts almost never do. Candidates found by band keys are confirmed by :func:`containment`, which stays
high when one copy is trimmed or carries extra boiler-plate (Jaccard alone would fall).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
BAND_ROWS = 2
# 16 bands of 2 rows (the first 32 values): each band key is one random write into the store's index, so fewer
# bands keep ingest cheap at 100,000 releases; on bench/stories.py's labelled set 16x2 still brings 99.9% of
# positive pairs together (64x2: 100%) with a median of 0 unrelated candidates (docs/stories.md).
BANDS = 16
SEED = 1  # fixed: signatures are stored and compared across processes and versions
# A candidate joins a story when this much of the smaller text is in the other (chosen on the tune split of
# bench/stories.py: precision up to 0.99 first, then recall; see docs/stories.md).
CONTAINMENT_THRESHOLD = 0.6
# Too few shingles to tell a copy from a coincidence (a one-line release): never merged.
MIN_SHINGLES = 20
SHINGLE_BATCH = 10_000

_WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: shingle hash = polynomial of its word hashes


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A body's MinHash signature (``NUM_PERM`` 32-bit values) and its number of distinct shingles."""

    signature: bytes
    shingles: int

    def __reduce__(self) -> tuple[type[Fingerprint], tuple[bytes, int]]:
        return (Fingerprint, (self.signature, self.shingles))  # as digests.models' values (see _PICKLING there)

    def values(self) -> np.ndarray:
        """The signature as integers."""
        return np.frombuffer(self.signature, dtype="<u4")

    def band_keys(self) -> list[int]:
        """One key per band: a signed 64-bit hash of the band's number and rows (fits any SQL integer column)."""
        values = self.values()
        keys = []
        for band in range(BANDS):
            chunk = bytes([band]) + values[band * BAND_ROWS : (band + 1) * BAND_ROWS].tobytes()
            keys.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "big", signed=True))
        return keys


@cache
def _permutations() -> Any:
    """datasketch's affine permutations for (NUM_PERM, SEED), made once: building them per MinHash is most of its
    cost. datasketch (and the SciPy it loads) is imported here, on first use: the processes that only compare
    stored fingerprints (the bot, the ingest command) never need it."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32").permutations


def _new_minhash() -> Any:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=_permutations(), scheme="affine32")


def _word_hashes(body: str) -> np.ndarray:
    """CRC-32 of each word, case aside: stable across processes and versions (unlike Python's ``hash``)."""
    tokens = _WORD.findall(body.lower())
    return np.fromiter(map(zlib.crc32, map(str.encode, tokens)), dtype=np.uint64, count=len(tokens))


def shingles(body: str) -> np.ndarray:
    """The distinct 32-bit hashes of a body's word 5-shingles, case and punctuation aside (a body shorter than
    five words is one shingle); one vectorised pass, linear in the body's length."""
    words = _word_hashes(body)
    if len(words) == 0:
        return np.empty(0, dtype=np.uint32)
    width = min(SHINGLE_WORDS, len(words))
    rolled = np.zeros(len(words) - width + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrapping multiplication is the hash
        for offset in range(width):
            rolled = rolled * _MIX + words[offset : offset + len(rolled)]
    return np.unique((rolled >> np.uint64(32)).astype(np.uint32))


def fingerprint(body: str) -> Fingerprint:
    """The fingerprint of a body (pure; linear in its length)."""
    found = shingles(body)
    minhash = _new_minhash()
    hashes = found.tolist()
    # datasketch hashes a batch into a batch × NUM_PERM array: batches of bounded size keep a 2 MB body's peak memory
    # flat; the signature is the same minimum either way.
    for start in range(0, len(hashes), SHINGLE_BATCH):
        minhash.update_batch(hashes[start : start + SHINGLE_BATCH])
    values = np.asarray(minhash.hashvalues).astype("<u4")
    return Fingerprint(signature=values.tobytes(), shingles=len(found))


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.mean(a.values() == b.values()))


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the smaller shingle set found in the larger one."""
    smaller = min(a.shingles, b.shingles)
    if smaller == 0:
        return 0.0
    estimate = jaccard(a, b)
    overlap = estimate * (a.shingles + b.shingles) / (1.0 + estimate)
    return min(overlap / smaller, 1.0)


def same_story(a: Fingerprint, b: Fingerprint, threshold: float = CONTAINMENT_THRESHOLD) -> bool:
    """Whether two bodies are copies of one text (give or take boiler-plate, trims, reordering, light edits)."""
    if min(a.shingles, b.shingles) < MIN_SHINGLES:
        return False
    return containment(a, b) >= threshold
