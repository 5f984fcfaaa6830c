"""The rule model: loads `models/` (gazetteers and patterns, data only) into spaCy matchers.

In: the folder of the rule model (the installed `extractor/models`, or the source tree's
`models/`). Out: a `RuleModel` whose `match(doc)` returns every gazetteer and pattern hit of a
spaCy `Doc` as `Hit`s, and lookups from a matched text to its canonical entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from extractor.errors import RuleModelError

# The word lists are part of the rule model: its callers find them here too (`extractor.lexicon`
# reads them, without spaCy, so that `extractor.normalize` can use them as well).
from extractor.lexicon import lexicon as lexicon
from extractor.lexicon import lexicon_map as lexicon_map
from extractor.lexicon import lexicon_names as lexicon_names
from extractor.lexicon import models_dir
from extractor.lexicon import read_word_list as read_word_list

PATTERN_FILES = (
    "metrics",
    "levels",
    "qualifiers",
    "changes",
    "attribution",
    "hedges",
    "modality",
    "exclusions",
)
GAZETTEER_FILES = ("subjects", "sources", "venues")


@dataclass(frozen=True, slots=True)
class Entry:
    """A gazetteer entry: a subject, a source or a venue."""

    role: str  # "subject", "source" or "venue": the gazetteer it is listed in, and its part in a claim
    name: str
    type: str | None = None
    symbol: str | None = None
    tenor: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One match in a doc: `group` is the rules that matched, a gazetteer entry's role ("subject",
    "source", "venue") or a pattern file ("metrics", "levels", …); `label` its label (metric
    family, level, up/down, …). A hit is either a name (`NameHit`) or a cue word (`CueHit`)."""

    group: str
    label: str
    start: int  # token offsets
    end: int
    start_char: int
    end_char: int
    rule_id: str


@dataclass(frozen=True, slots=True)
class NameHit(Hit):
    """A name the text writes: a subject, a source or a venue, with its gazetteer entry (or the
    entry an open-vocabulary rule made for it)."""

    entry: Entry


@dataclass(frozen=True, slots=True)
class CueHit(Hit):
    """A word of a pattern file: a metric word, a level, a change, a qualifier, an exclusion, …;
    `key` is the qualifier key, for "qualifiers" and "levels"."""

    key: str | None = None


NAME_GROUPS = ("subject", "source", "venue")  # the groups of `NameHit`s: the gazetteers' roles


@dataclass
class RuleModel:
    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)  # rule id -> gazetteer entry
    patterns: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule id -> pattern row
    by_symbol: dict[str, Entry] = field(default_factory=dict)
    by_name: dict[str, Entry] = field(default_factory=dict)  # lower-cased name or alias -> entry
    fund_groups: dict[str, Entry] = field(default_factory=dict)  # "Bitcoin" -> "Bitcoin investment products"
    spot_etfs: dict[str, Entry] = field(default_factory=dict)  # "Bitcoin" -> "US spot Bitcoin ETFs"
    composites: dict[str, Entry] = field(default_factory=dict)  # "Nasdaq" (an exchange) -> "Nasdaq Composite"
    phrase_exact: PhraseMatcher | None = None
    phrase_lower: PhraseMatcher | None = None
    pattern_phrases: PhraseMatcher | None = None  # patterns that are plain word sequences: much faster
    matcher: Matcher | None = None  # patterns with operators or sets

    def match(self, doc: Doc) -> list[Hit]:
        hits: list[Hit] = []
        assert self.phrase_exact and self.phrase_lower and self.matcher and self.pattern_phrases
        gazetteer = [*self.phrase_exact(doc), *self.phrase_lower(doc)]
        patterns = [*self.matcher(doc), *self.pattern_phrases(doc)]
        if not gazetteer and not patterns:
            return hits
        # the character offsets from two arrays: `doc[start:end].start_char` builds a Span and
        # Tokens for every hit (thousands a page)
        columns = doc.to_array([IDX, LENGTH]).tolist()
        strings = doc.vocab.strings
        for match_id, start, end in gazetteer:
            rule_id = strings[match_id]
            entry = self.entries[rule_id.split("#", 1)[0]]
            idx, length = columns[end - 1]
            hits.append(
                NameHit(
                    entry.role, entry.name, start, end, columns[start][0], idx + length, rule_id, entry=entry
                )
            )
        for match_id, start, end in patterns:
            rule_id = strings[match_id]
            row = self.patterns[rule_id]
            idx, length = columns[end - 1]
            hits.append(
                CueHit(
                    row["file"],
                    row["label"],
                    start,
                    end,
                    columns[start][0],
                    idx + length,
                    rule_id,
                    key=row.get("key"),
                )
            )
        return hits


def plain_word_sequences(pattern: list[dict[str, Any]], limit: int = 256) -> list[list[str]] | None:
    """Every word sequence a pattern matches when it uses only lower-cased words, word sets (`IN`)
    and optional tokens (`OP: "?"`), else None. Such patterns go to a PhraseMatcher, which is
    much faster than the Matcher's state machine."""
    sequences: list[list[str]] = [[]]
    for token in pattern:
        if set(token) - {"LOWER", "OP"} or token.get("OP", "?") != "?":
            return None
        lower = token.get("LOWER")
        words = (
            [lower]
            if isinstance(lower, str)
            else (lower.get("IN") if isinstance(lower, dict) and set(lower) == {"IN"} else None)
        )
        if not words:
            return None
        grown = [seq + [w] for seq in sequences for w in words]
        sequences = grown + (sequences if token.get("OP") == "?" else [])
        if len(sequences) > limit:
            return None
    return [seq for seq in sequences if seq]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RuleModelError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise RuleModelError(f"{path}:{number}: expected a JSON object, got {line[:60]!r}")
        rows.append(row)
    return rows


def load_rule_model(nlp: Language, path: Path | None = None) -> RuleModel:
    """Read every gazetteer and pattern file under `path` and build the matchers for `nlp`'s vocab."""
    path = path or models_dir()
    model = RuleModel(path=path)
    model.phrase_exact = PhraseMatcher(nlp.vocab, attr="ORTH")
    model.phrase_lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    model.matcher = Matcher(nlp.vocab)
    model.pattern_phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
    for gazetteer in GAZETTEER_FILES:
        _add_gazetteer(model, nlp, path / "gazetteers" / f"{gazetteer}.jsonl", gazetteer)
    _group_funds(model)
    for name in PATTERN_FILES:
        _add_patterns(model, nlp, path / "patterns" / f"{name}.jsonl", name)
    return model


def _add_gazetteer(model: RuleModel, nlp: Language, file: Path, gazetteer: str) -> None:
    """The entries of one gazetteer file (`subjects`, `sources`, …), matched by name and aliases."""
    assert model.phrase_exact is not None and model.phrase_lower is not None  # built by load_rule_model
    for number, row in enumerate(_read_jsonl(file), 1):
        if not row.get("name"):
            raise RuleModelError(f"{file}:{number}: an entry needs a 'name', got {row}")
        role = gazetteer.rstrip("s")  # the "subjects" gazetteer lists subjects
        entry = Entry(role, row["name"], row.get("type"), row.get("symbol"), row.get("tenor"))
        rule_id = f"{role}:{row['name']}"
        model.entries[rule_id] = entry
        forms = [row["name"], *row.get("aliases", [])]
        # "Fidelity's FBTC" is also written with a typographic apostrophe: "Fidelity’s FBTC"
        forms += [f.replace("'", "’") for f in forms if "'" in f]
        if gazetteer == "subjects" and entry.symbol and len(entry.symbol) >= 3:
            forms.append(entry.symbol)
            model.by_symbol.setdefault(entry.symbol, entry)
        if gazetteer == "subjects":
            for form in forms:
                model.by_name.setdefault(form.lower(), entry)
        docs = [nlp.make_doc(f) for f in forms]  # tokenized once: the slow part of loading the model
        single = [d for d in docs if len(d) == 1]
        multi = [d for d in docs if len(d) > 1]
        if single:
            model.phrase_exact.add(rule_id, single)
        if multi:
            model.phrase_lower.add(rule_id + "#lower", multi)


def _group_funds(model: RuleModel) -> None:
    """ "Bitcoin investment products" and "US spot Bitcoin ETFs" are the fund groups of "Bitcoin"; "Nasdaq Composite" the index of the exchange "Nasdaq"."""
    names = {e.name: e for e in model.entries.values() if e.role == "subject"}
    for entry in names.values():
        coin = entry.name.removesuffix(" investment products")
        if coin != entry.name and coin in names:
            model.fund_groups[coin] = entry
        spot = re.fullmatch(r"US spot (\w+) ETFs", entry.name)
        named = model.by_name.get(spot.group(1).lower()) if spot else None
        if named is not None:
            model.spot_etfs[named.name] = entry
        if entry.type == "market" and f"{entry.name} Composite" in names:
            model.composites[entry.name] = names[f"{entry.name} Composite"]


def _add_patterns(model: RuleModel, nlp: Language, file: Path, name: str) -> None:
    """The patterns of one pattern file: plain word sequences as phrases, the rest as Matcher rules."""
    assert model.pattern_phrases is not None and model.matcher is not None  # built by load_rule_model
    for number, row in enumerate(_read_jsonl(file), 1):
        if "id" not in row or "label" not in row or not isinstance(row.get("pattern"), list):
            raise RuleModelError(
                f"{file}:{number}: a pattern needs 'id', 'label' and a 'pattern' list, got {row}"
            )
        if row["id"] in model.patterns:
            raise RuleModelError(f"{file}:{number}: duplicate pattern id {row['id']!r}")
        model.patterns[row["id"]] = {**row, "file": name}
        sequences = plain_word_sequences(row["pattern"])
        if sequences:
            model.pattern_phrases.add(row["id"], [Doc(nlp.vocab, words=words) for words in sequences])
            continue
        try:
            model.matcher.add(row["id"], [row["pattern"]])
        except Exception as exc:  # spaCy validates the pattern; name the line that broke it
            raise RuleModelError(f"{file}:{number}: invalid pattern {row['pattern']}: {exc}") from None


@lru_cache(maxsize=4)
def cached_rule_model(nlp: Language, path: str | None = None) -> RuleModel:
    return load_rule_model(nlp, Path(path) if path else None)
