"""Repeated paragraphs go; everything else stays, in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from extractor.repeated_paragraphs import remove_repeats

PARA = "Bitcoin's exchange netflows turned negative, with a net outflow of 5,200 BTC from exchanges."


def test_exact_and_near_repeats_are_removed_headings_kept():
    near = PARA.replace("turned negative", "turned negative again")
    paragraphs = [
        "FAQ:",
        PARA,
        "Other news follows here and it is long enough to count as a paragraph.",
        near,
        "FAQ:",
        PARA,
    ]
    assert remove_repeats(paragraphs, threshold=92, min_chars=60) == paragraphs[:3] + ["FAQ:"]


def test_threshold_is_a_setting():
    near = PARA.replace("5,200", "5,300").replace("negative", "sharply negative")
    assert len(remove_repeats([PARA, near], threshold=99, min_chars=10)) == 2
    assert len(remove_repeats([PARA, near], threshold=80, min_chars=10)) == 1


paragraph_lists = st.lists(
    st.sampled_from([PARA, PARA.upper(), "short", "x" * 70, "y" * 70, PARA[:-1]]), max_size=12
)


@given(paragraph_lists)
def test_dedup_is_idempotent(paragraphs):
    once = remove_repeats(paragraphs, 92, 60)
    assert remove_repeats(once, 92, 60) == once


@given(paragraph_lists)
def test_exact_repeats_agree_with_a_simple_reference(paragraphs):
    """With threshold 100 only exact repeats of long paragraphs go: the obviously-correct reference."""
    seen: set[str] = set()
    reference = []
    for p in paragraphs:
        if len(p) >= 60 and p in seen:
            continue
        seen.add(p)
        reference.append(p)
    assert remove_repeats(paragraphs, 100, 60) == reference
