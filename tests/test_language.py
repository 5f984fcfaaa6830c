"""The language check: a page is read when its prose is in an accepted language (py3langid, whose
model ships in the wheel), and refused with the language found otherwise — on real web pages that
the old function-word ratio got wrong, and from the command line with `--languages`."""

from __future__ import annotations

import gzip

import pytest
import trafilatura
from sharedpaths import require_shared, run_claims

from extractor import clean, process_article
from extractor.errors import InputError

GERMAN = (
    "Marktbericht\nDer Bitcoin-Kurs ist am Dienstag um 5 Prozent auf 60.000 Dollar gestiegen, wie die Daten zeigen. "
    "Die Anleger sind nach der Entscheidung der Notenbank wieder optimistischer geworden."
)
ENGLISH = "Markets wrap\nBitcoin rose 3% to $86,400 on Tuesday as traders bought the dip, according to CoinGecko data."

# ../shared/external/article-extraction pages: two English ones the function-word ratio refused (a
# meal plan, box scores) and a Portuguese and a Japanese one it let through
REAL_PAGES = {
    "5f03fc173ebc6abdfae50b96ce0b05a6137b7d3f2ef379be35a9bb8ca9f49e87": "en",
    "c81e134ed49902bcf69b551426b4a346c5a77ae993cac8bda68b5541a664ef4c": "en",
    "cc03ddb5ef7d5f1fdb8a87f5e6dfd058a2a70acedf2551655a898dc5c18eb79e": "pt",
    "f105de6e63ca91ea482f60193f6252092557f969f2fd128ff68c0d4d6b90dd7d": "ja",
}


@pytest.mark.parametrize(
    "page, language", REAL_PAGES.items(), ids=[v + "-" + k[:8] for k, v in REAL_PAGES.items()]
)
def test_real_pages_are_judged_by_their_language(page, language):
    html = gzip.decompress(
        require_shared("external", "article-extraction", "html", f"{page}.html.gz").read_bytes()
    )
    text = "\n".join(clean.paragraphs(trafilatura.extract(html.decode("utf-8", "replace")) or ""))
    assert clean.detect_language(text) == language
    if language == "en":
        clean.check_language(page, text, ["en"])
    else:
        with pytest.raises(InputError, match=f"not an English page \\(its language reads as '{language}'\\)"):
            clean.check_language(page, text, ["en"])


def test_an_english_market_note_is_read_and_a_german_one_named():
    assert process_article(ENGLISH, published="2025-03-05", content_type="text").claims
    with pytest.raises(InputError, match="its language reads as 'de'"):
        process_article(GERMAN, published="2025-03-05", content_type="text")


def test_too_little_prose_to_tell_is_not_refused():
    assert clean.detect_language("BTC $86,400\n| BTC | 86,400 |") is None


def test_languages_option_accepts_more_languages_and_refuses_bad_codes():
    refused = run_claims("extract", "-", stdin=GERMAN)
    assert refused.returncode == 1
    assert "its language reads as 'de'" in refused.stderr.strip().splitlines()[-1]
    accepted = run_claims("extract", "-", "--languages", "en,de", stdin=GERMAN)
    assert accepted.returncode == 0, accepted.stderr
    bad = run_claims("extract", "-", "--languages", "english", stdin=ENGLISH)
    assert bad.returncode == 2
    assert "--languages" in bad.stderr and "ISO 639-1" in bad.stderr
