"""Near-duplicate articles across a dump: syndicated copies, the same story lightly edited.

In: each article's id and the MinHash `signature()` of its text (computed in the workers).
Out: for each article, the id of the first earlier article it nearly duplicates, or None.

Method: the text is cut into overlapping word shingles (`SHINGLE` words, lower-cased), and a
datasketch MinHash of `NUM_PERM` permutations estimates the Jaccard similarity of two shingle
sets; MinHashLSH finds candidates at or above the threshold in constant time, and each
candidate is checked against the estimate (LSH alone lets some pairs below the threshold
through). Only originals enter the index, so `duplicate_of` always names the first article of
a family, in the order the run writes them (input order). The index costs about 1 KB per
original; signatures are kept with the sink's progress (`sinks.progress`) so a resumed run
rebuilds it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

# datasketch is imported inside the functions that use it: it brings scipy (~0.4 s), which
# `claims --help` and `claims extract` never need (they read DEFAULT_THRESHOLD, for batch's help)
if TYPE_CHECKING:
    from datasketch import LeanMinHash, MinHash  # type: ignore[import-untyped]

NUM_PERM = 64
SEED = 1
SHINGLE = 5
DEFAULT_THRESHOLD = 0.8
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def load() -> None:
    """Import datasketch now: a batch worker's setup calls this, so that the import is not paid
    inside its first record's time budget."""
    import datasketch  # type: ignore[import-untyped]  # noqa: F401


def signature(text: str) -> bytes:
    """The MinHash of the text's word shingles, serialized (datasketch's `LeanMinHash` format)."""
    from datasketch import LeanMinHash  # type: ignore[import-untyped]

    minhash = _empty_minhash().copy()
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    lean = LeanMinHash(minhash)
    buf = bytearray(lean.bytesize(byteorder="<"))
    lean.serialize(buf, byteorder="<")
    return bytes(buf)


@lru_cache(maxsize=1)
def _empty_minhash() -> MinHash:
    """A MinHash of nothing: its copies share its permutations (the same for the same NUM_PERM and
    SEED), which datasketch otherwise draws again for every article (~0.3 ms each)."""
    from datasketch import MinHash  # type: ignore[import-untyped]

    return MinHash(num_perm=NUM_PERM, seed=SEED)


def _lean(sig: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash  # type: ignore[import-untyped]

    return LeanMinHash.deserialize(sig, byteorder="<")


class NearDuplicates:
    """An index of the originals seen so far; `threshold` 0 turns detection off."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        from datasketch import MinHashLSH  # type: ignore[import-untyped]

        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM) if threshold > 0 else None
        self._order: dict[str, int] = {}  # original id -> position (the first one wins)
        self._minhashes: dict[str, LeanMinHash] = {}

    def check(self, article_id: str, sig: bytes | None) -> str | None:
        """The first original that `article_id` nearly duplicates (None: it is an original,
        and joins the index)."""
        if self._lsh is None or sig is None or article_id in self._order:
            return None
        minhash = _lean(sig)
        candidates = [
            k for k in self._lsh.query(minhash) if self._minhashes[k].jaccard(minhash) >= self.threshold
        ]
        if candidates:
            return min(candidates, key=self._order.__getitem__)
        self.add(article_id, minhash)
        return None

    def add(self, article_id: str, minhash: LeanMinHash | bytes) -> None:
        """Index an original (also used to rebuild the index from the sink's progress when resuming)."""
        if self._lsh is None or article_id in self._order:
            return
        if isinstance(minhash, bytes):
            minhash = _lean(minhash)
        self._lsh.insert(article_id, minhash)
        self._order[article_id] = len(self._order)
        self._minhashes[article_id] = minhash
