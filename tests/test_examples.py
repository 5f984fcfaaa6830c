"""The rules on sentences of market commentary: each row of `tests/examples/*.jsonl` is a sentence
(written here, in the style of a class of real commentary), its publication date and every claim
a careful reader finds in it.

A row passes when the extractor finds exactly those claims — same metric, subject, value and unit,
no more, no fewer — and agrees on each other field the row states (`qualifiers`, `as_of`,
`period`, `hedge`, `attributed_to`, `value_max`). A row with `"xfail": "<why>"` is a known gap,
run as a strict xfail: when the rules learn it, the test says so and the mark must go.
Every rule change lands with rows here, including the bug it fixed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor import process_article

EXAMPLES = Path(__file__).parent / "examples"
KEY_FIELDS = ("metric", "subject", "value", "unit")
CHECKED_FIELDS = ("qualifiers", "as_of", "period", "hedge", "attributed_to", "value_max")


def _rows() -> list:
    params = []
    for file in sorted(EXAMPLES.glob("*.jsonl")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            marks = [pytest.mark.xfail(reason=row["xfail"], strict=True)] if row.get("xfail") else []
            params.append(pytest.param(row, id=f"{file.stem}:{number}:{row['id']}", marks=marks))
    return params


def _key(claim: dict) -> tuple:
    return (claim["metric"], claim["subject"], round(float(claim["value"]), 6), claim["unit"])


@pytest.mark.parametrize("row", _rows())
def test_example(row):
    title = row.get("title", "Example")
    article = process_article(f"{title}\n{row['text']}", published=row.get("published"), content_type="text")
    found = {_key(c.to_record()): c.to_record() for c in article.claims}
    wanted = {_key(c): c for c in row["claims"]}
    assert set(found) == set(wanted), f"missing {set(wanted) - set(found)}, extra {set(found) - set(wanted)}"
    for key, claim in wanted.items():
        for field in CHECKED_FIELDS:
            if field in claim:
                assert found[key][field] == claim[field], (
                    f"{key}: {field} is {found[key][field]!r}, not {claim[field]!r}"
                )


def test_every_example_file_has_rows_with_unique_ids():
    files = sorted(EXAMPLES.glob("*.jsonl"))
    assert files, "tests/examples holds no example files"
    ids = [
        json.loads(line)["id"]
        for f in files
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(ids) == len(set(ids)), "example ids repeat"
