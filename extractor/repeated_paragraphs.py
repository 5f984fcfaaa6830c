"""Repeated paragraphs: paragraphs in, paragraphs out with repeats removed.

Pages repeat themselves: a paragraph printed twice by the CMS, a section copied under a second
heading. A paragraph whose rapidfuzz similarity to an earlier kept paragraph reaches the
threshold (0-100, `repeated_paragraphs.paragraph_threshold`) is dropped; short lines (headings, "FAQ:") and
table rows (`| … |`: a second table repeats the first one's header, and its rows are facts of
their own) are always kept. Restatements in other words (summaries, FAQs) are not removed here: the claim
merger counts them as `mentions`.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process


def remove_repeats(paragraphs: list[str], threshold: float, min_chars: int) -> list[str]:
    kept: list[str] = []
    long_kept: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph) >= min_chars and not paragraph.lstrip().startswith("|"):
            if (
                process.extractOne(paragraph, long_kept, scorer=fuzz.ratio, score_cutoff=threshold)
                is not None
            ):
                continue
            long_kept.append(paragraph)
        kept.append(paragraph)
    return kept
