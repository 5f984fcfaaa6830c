"""Why a figure is no claim: the linker's stages log the reason, so a rule author can tell which
rule let a figure go (`logging.getLogger("extractor.extract.link")` at DEBUG)."""

from __future__ import annotations

import logging

import pytest

from extractor import process_article


@pytest.mark.parametrize(
    ("sentence", "figure", "stage", "reason"),
    [
        (
            "If Ethereum slips below $3,050, a drop to $2,900 could follow.",
            "$2,900",
            "check_modality",
            "hypothetical",
        ),
        ("Of the 30 Dow components, 22 rose on the day.", "22", "screen_out", "count of movers"),
        (
            "Solana's trading volume rose 80% in a day, a 12% share of the market.",
            "12%",
            "read_metric",
            "no metric word",
        ),
        ("Tesla shares traded 4.1% higher, and Ford rose 2.3%.", None, None, None),
    ],
)
def test_a_figure_left_out_says_which_stage_and_why(caplog, sentence, figure, stage, reason):
    caplog.set_level(logging.DEBUG, logger="extractor.extract.link")
    article = process_article(f"Markets\n{sentence}", published="2026-03-04T15:00:00Z", content_type="text")
    messages = [r.getMessage() for r in caplog.records if r.name == "extractor.extract.link"]
    if figure is None:  # every figure is a claim: nothing is logged as left out
        assert len(article.claims) == 2 and not messages, messages
        return
    said = [m for m in messages if m.startswith(repr(figure))]
    assert said, f"no reason logged for {figure}: {messages}"
    assert f"({stage})" in said[0]
    if reason:
        assert reason in said[0]
    assert figure not in {c.evidence.text for c in article.claims if c.evidence}
