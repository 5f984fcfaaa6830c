"""The rule model loads, every entry is well-formed, and a broken file is reported by name and line."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest
import spacy

from extractor import rules
from extractor.errors import RuleModelError
from extractor.rules import (
    GAZETTEER_FILES,
    PATTERN_FILES,
    lexicon,
    lexicon_map,
    lexicon_names,
    load_rule_model,
    models_dir,
)
from extractor.schemas import SUBJECT_TYPES

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"  # batch.py reads the month names


def test_every_file_loads_and_every_subject_is_well_formed():
    model = load_rule_model(spacy.blank("en"))
    assert len(model.patterns) > 300
    subjects = [e for e in model.entries.values() if e.role == "subject"]
    assert all(e.type in SUBJECT_TYPES for e in subjects)
    assert {"Bitcoin", "S&P 500", "Russell 2000", "iShares Bitcoin Trust", "crypto market"} <= {
        e.name for e in subjects
    }


def test_pattern_ids_are_unique_across_files():
    ids = []
    for name in PATTERN_FILES:
        ids += [
            json.loads(line)["id"]
            for line in (models_dir() / "patterns" / f"{name}.jsonl").read_text().splitlines()
            if line
        ]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ("{not json", "not valid JSON"),
        ('{"id": "x", "label": "y", "pattern": [{"NOPE": 1}]}', "invalid pattern"),
    ],
    ids=["json", "pattern"],
)
def test_a_broken_pattern_file_names_file_and_line(tmp_path, bad_line, message):
    copy = tmp_path / "models"
    shutil.copytree(models_dir(), copy)
    with (copy / "patterns" / "metrics.jsonl").open("a") as f:
        f.write(bad_line + "\n")
    with pytest.raises(RuleModelError, match=message) as info:
        load_rule_model(spacy.blank("en"), copy)
    assert "metrics.jsonl:" in str(info.value)


def test_gazetteer_files_exist():
    for name in GAZETTEER_FILES:
        assert (models_dir() / "gazetteers" / f"{name}.jsonl").stat().st_size > 0


def test_every_word_list_loads_is_used_and_an_unknown_one_is_refused():
    package = Path(rules.__file__).parent  # the code that reads the lists, installed or not
    sources = [*package.rglob("*.py"), *BENCHMARKS.glob("*.py")]
    code = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    assert len(lexicon_names()) >= 5
    for name in lexicon_names():
        if (models_dir() / "lexicon" / f"{name}.toml").is_file():
            assert f'lexicon_map("{name}")' in code, f"word map {name} is never read"
            assert lexicon_map(name), name
            continue
        assert f'lexicon("{name}")' in code, f"word list {name} is never read"
        words = lexicon(name)
        assert words and not any(w.startswith("#") for w in words), name
    with pytest.raises(RuleModelError, match="no word list 'nope'"):
        lexicon("nope")
    with pytest.raises(RuleModelError, match="no word map 'nope'"):
        lexicon_map("nope")


# Module-level collections of lower-case words that are not knowledge about the language, and so
# stay in code. Any other word list belongs in models/lexicon/.
NOT_WORD_LISTS = {
    "cli/db.py:CSV_COLUMNS": "the columns of `claims db export`, named after claim fields",
    "cli/db.py:TABLE_COLUMNS": "the columns of the table view, named after claim fields",
    "rules.py:PATTERN_FILES": "file names of models/patterns/, in the order they are matched",
    "sinks/sql.py:_CONNECTION_LOST": "the error messages of PostgreSQL drivers a lost connection gives",
    "verify/sense.py:KINDS": "the senses verify gives a figure (a vocabulary of the code's own)",
    "normalize/dates.py:_UNIT_T": "the first words of a regex beside it, which they must agree with",
    "normalize/quantities.py:SPACED_QUALIFIERS": "keys of QUALIFIED_SYMBOLS, the map of symbols beside it",
    "normalize/quantities.py:_STARTER_WORDS": "the first words of the parser's rules, gathered from its tables",
}
WORD = re.compile(r"[a-z][a-z'.\- ]*")


def _words_of(value: ast.expr | None) -> list[str]:
    """The lower-case words of a set, frozenset, tuple or list literal (also inside `frozenset(…)`
    and `A | {…}`)."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.args:
        if value.func.id in {"set", "frozenset", "tuple", "list"}:
            return _words_of(value.args[0])
    if isinstance(value, ast.BinOp):
        return _words_of(value.left) + _words_of(value.right)
    if isinstance(value, ast.Set | ast.Tuple | ast.List):
        texts = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return [t for t in texts if WORD.fullmatch(t)]
    return []


def test_no_word_list_is_written_in_code():
    """A word list added to the code fails here: it belongs in models/lexicon/ (see models/README.md)."""
    package = Path(rules.__file__).parent
    found = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign):
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign):
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and not target.id.startswith("__") and len(_words_of(value)) >= 5:
                found[f"{path.relative_to(package).as_posix()}:{target.id}"] = _words_of(value)[:5]
    in_code = {name: words for name, words in found.items() if name not in NOT_WORD_LISTS}
    assert not in_code, f"word lists in code, move them to models/lexicon: {in_code}"
    assert set(NOT_WORD_LISTS) <= set(found), "an allowed list is gone: drop it from NOT_WORD_LISTS"


def test_currency_codes_are_iso_4217():
    """The codes read in text are codes of Babel's ISO 4217 list (or aliases of one)."""
    from extractor.normalize.quantities import CODE_ALIASES, ISO_4217

    codes = lexicon("currency_codes")
    assert codes <= ISO_4217 | set(CODE_ALIASES)
    assert {code.upper() for code in lexicon("currency_codes_in_lower_case")} <= codes | set(CODE_ALIASES)
