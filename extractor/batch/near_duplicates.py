"""Near-duplicate articles across a dump: syndicated copies, the same story lightly edited.

In: each article's id, publication date and the MinHash `signature()` of its text (computed in
the workers). Out: for each article, the id of the original it nearly duplicates, or None.

Method: the text is cut into overlapping word shingles (`SHINGLE` words, lower-cased), and a
datasketch MinHash of `NUM_PERM` permutations estimates the Jaccard similarity of two shingle
sets; MinHashLSH finds candidates at or above the threshold in constant time, and each
candidate is checked against the estimate (LSH alone lets some pairs below the threshold
through). Two articles are *near* when their estimate reaches the threshold.

Which article is the original does not depend on the order the articles come in, nor on which
of two writers of one sink came first. Articles are ranked by `rank()`: the earliest `published`
first, articles without a date after every dated one, ties broken by article id. Then, going
through the articles in rank order, an article is a duplicate of the first-ranked *original* it
is near, and an original when it is near none: `duplicate_of` always names an original, and in
a family of copies every copy names the earliest. That is a function of the set of articles
alone; `plan()` computes what adding one article changes (the article itself, and any later
article that now has an earlier original), so that the sink can store the changes with the
article, in one transaction. The index keeps every article (about 1 KB each); the signatures
are kept in the sink, which brings the index up to date (`sinks.sql`, `sinks.jsonl`).
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
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

Rank = tuple[int, str, str]  # (0 dated / 1 undated, UTC ISO date-time, article id)


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


def rank(article_id: str, published: str | None) -> Rank:
    """The order in which articles claim to be the original: earliest `published` first (an ISO
    date or date-time; a date alone is its day's start, a date-time without offset is UTC), then
    articles without a (readable) date, ties broken by `article_id`."""
    when = _utc(published)
    return (0, when, article_id) if when else (1, "", article_id)


def _utc(published: str | None) -> str:
    """`published` as a sortable UTC ISO date-time, "" when absent or unreadable."""
    if not published:
        return ""
    try:
        moment = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


@dataclass
class Plan:
    """What adding `article` changes: `links` maps every article whose `duplicate_of` changes
    (the added article always among them) to its new value. Apply it with `NearDuplicates.commit`
    once the sink has stored it."""

    article: str
    rank: Rank
    minhash: LeanMinHash | None
    links: dict[str, str | None] = field(default_factory=dict)

    @property
    def duplicate_of(self) -> str | None:
        return self.links.get(self.article)

    def others(self) -> dict[str, str | None]:
        """The changed links of articles other than the added one (already in the sink)."""
        return {k: v for k, v in self.links.items() if k != self.article}


class NearDuplicates:
    """An index of the articles seen so far and their links; `threshold` 0 turns detection off."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        from datasketch import MinHashLSH  # type: ignore[import-untyped]

        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM) if threshold > 0 else None
        self._rank: dict[str, Rank] = {}
        self._minhashes: dict[str, LeanMinHash] = {}
        self._links: dict[str, str | None] = {}  # article id -> its original (None: an original)

    @property
    def enabled(self) -> bool:
        return self._lsh is not None

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._rank

    def __len__(self) -> int:
        return len(self._rank)

    def link(self, article_id: str) -> str | None:
        """The current `duplicate_of` of an indexed article (None: an original, or unknown)."""
        return self._links.get(article_id)

    def plan(self, article_id: str, published: str | None, sig: bytes | None) -> Plan:
        """What adding the article changes, without changing the index (see `Plan`).

        An article already in the index (the same id written again) keeps its rank and link and
        changes nothing; an article without a signature (or detection off) is an original that
        no other article is compared with.
        """
        if self._lsh is None or sig is None or article_id in self._rank:
            return Plan(article_id, rank(article_id, published), None, {article_id: self.link(article_id)})
        new_rank, minhash = rank(article_id, published), _lean(sig)
        near_new = set(self._near(minhash))
        links: dict[str, str | None] = {}

        def rank_of(a: str) -> Rank:
            return new_rank if a == article_id else self._rank[a]

        def near(a: str) -> set[str]:
            if a == article_id:
                return near_new
            return self._near(self._minhashes[a], exclude=a) | ({article_id} if a in near_new else set())

        def link_of(a: str) -> str | None:
            return links[a] if a in links else self._links.get(a)

        # Articles are settled in rank order: one's link depends only on earlier-ranked ones, so
        # a change can only move later-ranked articles, which are settled after it.
        todo: list[tuple[Rank, str]] = [(new_rank, article_id)]
        settled: set[str] = set()
        while todo:
            current_rank, current = heapq.heappop(todo)
            if current in settled:
                continue
            settled.add(current)
            neighbours = near(current)
            earlier_originals = [a for a in neighbours if rank_of(a) < current_rank and link_of(a) is None]
            new_link = min(earlier_originals, key=rank_of, default=None)
            if current == article_id or new_link != link_of(current):
                links[current] = new_link
                for a in neighbours:
                    if rank_of(a) > current_rank and a not in settled:
                        heapq.heappush(todo, (rank_of(a), a))
        return Plan(article_id, new_rank, minhash, links)

    def commit(self, plan: Plan) -> None:
        """Apply a plan: index its article and record the changed links."""
        if self._lsh is not None and plan.minhash is not None and plan.article not in self._rank:
            self._lsh.insert(plan.article, plan.minhash)
            self._rank[plan.article] = plan.rank
            self._minhashes[plan.article] = plan.minhash
        for article, original in plan.links.items():
            if article in self._rank:
                self._links[article] = original

    def add(self, article_id: str, published: str | None, sig: bytes | None) -> str | None:
        """Plan and commit at once (an article the sink already holds); its `duplicate_of`."""
        plan = self.plan(article_id, published, sig)
        self.commit(plan)
        return plan.duplicate_of

    def _near(self, minhash: LeanMinHash, exclude: str | None = None) -> set[str]:
        assert self._lsh is not None
        return {
            k
            for k in self._lsh.query(minhash)
            if k != exclude and self._minhashes[k].jaccard(minhash) >= self.threshold
        }
