"""The Python API and the spaCy component: what a user of the library relies on."""

from __future__ import annotations

import pytest
import spacy

from extractor import Article, process_article
from extractor.extract import components  # noqa: F401 - registers the factories

TEXT = """Markets wrap
Bitcoin was trading at $62,350 on Thursday, a 1.2% decline over 24 hours, according to CoinGecko.
The S&P 500 rose 2.4% on Thursday, while the Information Technology sector gained 2.4% as chipmakers rallied.
If Bitcoin's RSI dips below 30, traders expect a bounce.
Bitcoin's daily RSI stood at 44 on Thursday.
FAQ: Why did Bitcoin fall? Bitcoin's 1.2% decline to $62,350 came as traders cut risk."""


def claims_of(article: Article) -> dict[tuple[str, str, float], object]:
    return {(c.metric, c.subject, c.value): c for c in article.claims}


def test_process_article_returns_claims_with_exact_evidence_offsets():
    article = process_article(TEXT, published="2025-05-09T12:00:00+00:00", content_type="text")
    assert article.title == "Markets wrap"
    assert article.claims
    for claim in article.claims:
        assert article.text[claim.evidence.start : claim.evidence.end] == claim.evidence.text
        assert claim.evidence.text in claim.evidence.sentence


def test_the_old_kind_keyword_still_works_with_a_deprecation_warning():
    """Callers written before `kind` became `content_type` get the same article, and are told."""
    with pytest.warns(DeprecationWarning, match="content_type"):
        old = process_article(TEXT, published="2025-05-09", kind="text")
    new = process_article(TEXT, published="2025-05-09", content_type="text")
    assert old == new


def test_restated_fact_is_one_claim_with_mentions():
    found = claims_of(process_article(TEXT, published="2025-05-09", content_type="text"))
    assert found[("price_change", "Bitcoin", -1.2)].mentions == 2
    assert found[("price", "Bitcoin", 62350)].mentions == 2


def test_two_facts_sharing_a_number_are_two_claims():
    found = claims_of(process_article(TEXT, published="2025-05-09", content_type="text"))
    assert ("price_change", "S&P 500", 2.4) in found
    assert ("price_change", "Information Technology", 2.4) in found


def test_hypothetical_threshold_is_not_a_claim_but_a_stated_rsi_is():
    found = claims_of(process_article(TEXT, published="2025-05-09", content_type="text"))
    assert ("rsi", "Bitcoin", 30) not in found
    assert found[("rsi", "Bitcoin", 44)].qualifiers == {"timeframe": "daily"}


def test_weekday_resolves_against_publication_date():
    found = claims_of(process_article(TEXT, published="2025-05-09T12:00:00+00:00", content_type="text"))
    assert found[("price", "Bitcoin", 62350)].as_of == "2025-05-08"


def test_claim_ids_are_stable_and_distinct():
    first = process_article(TEXT, published="2025-05-09", content_type="text", path="a.txt")
    second = process_article(TEXT, published="2025-05-09", content_type="text", path="a.txt")
    assert [c.claim_id for c in first.claims] == [c.claim_id for c in second.claims]
    assert len({c.claim_id for c in first.claims}) == len(first.claims)


def test_component_works_in_anyones_pipeline():
    nlp = spacy.blank("en")
    nlp.add_pipe("market_claims", config={"published": "2025-05-09"})
    doc = nlp("Ether fell 1.5% to $2,980 on Thursday, per TradingView data.")
    found = {(c.metric, c.subject.name, c.value) for c in doc._.claims}
    assert found == {("price_change", "Ethereum", -1.5), ("price", "Ethereum", 2980)}


TABLE_PAGE = """Most shorted names
Short sellers kept pressing the same names this week, according to the latest exchange data.
| Ticker | Company | Short % of float | Week-on-Week |
| --- | --- | --- | --- |
| BOE | Boss Energy | 19.15% | -0.40% |
| PDN | Paladin Energy | 16.00% | 0.94% |
Source: ASIC."""


def test_table_cells_are_claims_about_their_rows():
    found = claims_of(process_article(TABLE_PAGE, published="2025-02-10", content_type="text"))
    level = found[("short_interest", "Boss Energy", 19.15)]
    assert level.symbol == "BOE" and level.qualifiers == {"basis": "float"} and level.attributed_to == "ASIC"
    change = found[("short_interest_change", "Boss Energy", -0.4)]
    assert change.unit == "pp" and change.period == "P7D"
    assert ("short_interest", "Paladin Energy", 16.0) in found


def test_markdown_links_are_read_as_their_text():
    text = "Report\nOppFi (NYSE:[OPFI](https://example.com/symbol/OPFI)) stock tumbled 16% in Monday trading."
    article = process_article(text, published="2025-02-10", content_type="text")
    assert "](" not in article.text
    claim = next(c for c in article.claims if c.metric == "price_change")
    assert (claim.subject, claim.symbol, claim.value) == ("OppFi", "OPFI", -16.0)


def test_a_saved_pipeline_loads_with_spacy_load_in_a_fresh_process(tmp_path):
    """The versioned component name is what a saved config records; the `spacy_factories` entry
    point lets `spacy.load` build it in a process that never imported extractor."""
    import subprocess
    import sys

    nlp = spacy.blank("en")
    nlp.add_pipe("market_claims_v1", config={"published": "2025-05-09"})
    nlp.to_disk(tmp_path / "pipeline")
    script = (
        "import spacy, sys\n"
        "assert 'extractor' not in sys.modules\n"
        f"nlp = spacy.load({str(tmp_path / 'pipeline')!r})\n"
        "doc = nlp('Ether fell 1.5% to $2,980 on Thursday, per TradingView data.')\n"
        "print(sorted((c.metric, c.subject.name, c.value) for c in doc._.claims))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('price', 'Ethereum', 2980.0), ('price_change', 'Ethereum', -1.5)]"
