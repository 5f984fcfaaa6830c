"""The rule model loads, every entry is well-formed, and a broken file is reported by name and line."""

from __future__ import annotations

import json
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
    lexicon_names,
    load_rule_model,
    models_dir,
)
from extractor.schemas import SUBJECT_TYPES


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
    code = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    assert len(lexicon_names()) >= 5
    for name in lexicon_names():
        assert f'lexicon("{name}")' in code, f"word list {name} is never read"
        words = lexicon(name)
        assert words and not any(w.startswith("#") for w in words), name
    with pytest.raises(RuleModelError, match="no word list 'nope'"):
        lexicon("nope")
