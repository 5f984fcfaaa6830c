"""The lexicon: the word lists of `models/lexicon/`, read once per process.

Knowledge about English words (number words, month names, verbs of speech, words that open a
clause …) is data, kept once in `models/lexicon/` and read here by every stage that needs it:
extract, normalize and verify alike. Two shapes:

    lexicon("speech_verbs")        -> frozenset of the lines of `speech_verbs.txt`
    lexicon_map("number_words")    -> the tables of `number_words.toml` (word -> value)

This module only needs the standard library, so that `extractor.normalize` stays free of spaCy.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from extractor.errors import RuleModelError


def models_dir() -> Path:
    """The rule model folder: `models/` of a source checkout, else the installed copy."""
    source_tree = Path(__file__).resolve().parent.parent / "models"
    if (source_tree / "patterns").is_dir():
        return source_tree
    return Path(__file__).resolve().parent / "models"


def read_word_list(path: Path) -> frozenset[str]:
    """One word or phrase a line; `#` starts a comment line."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@cache
def lexicon(name: str) -> frozenset[str]:
    """A word list of `models/lexicon/` (kept once, used by every stage that needs it)."""
    path = models_dir() / "lexicon" / f"{name}.txt"
    if not path.is_file():
        raise RuleModelError(f"no word list {name!r} in models/lexicon (known: {', '.join(lexicon_names())})")
    return read_word_list(path)


@cache
def lexicon_map(name: str) -> Mapping[str, Any]:
    """A word -> value map of `models/lexicon/NAME.toml`, read-only and in the order of the file
    (TOML keeps the type a value is written in: `12` is an int, `1e6` a float)."""
    path = models_dir() / "lexicon" / f"{name}.toml"
    if not path.is_file():
        raise RuleModelError(f"no word map {name!r} in models/lexicon (known: {', '.join(lexicon_names())})")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleModelError(f"{path}: not valid TOML ({exc})") from None
    return _read_only(table)


def _read_only(value: Any) -> Any:
    """The map is shared by every caller: tables become read-only mappings, arrays tuples."""
    if isinstance(value, dict):
        return MappingProxyType({key: _read_only(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_read_only(item) for item in value)
    return value


def lexicon_names() -> list[str]:
    """The word lists and word maps `models/lexicon/` holds, by name."""
    return sorted(p.stem for p in (models_dir() / "lexicon").iterdir() if p.suffix in {".txt", ".toml"})
