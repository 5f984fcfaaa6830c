"""market-claims: market-commentary articles in, verified and normalized claims out.

from extractor import process_article
article = process_article(html, url="https://…", published="2025-05-08")
for claim in article.claims:
    print(claim.metric, claim.subject, claim.value, claim.unit)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.errors import InputError, MarketClaimsError
from extractor.lazy import lazy_attributes

if TYPE_CHECKING:
    from extractor.pipeline import process_article
    from extractor.schemas import Article, Claim
    from extractor.settings import Settings

__version__ = "0.1.0"
__all__ = [
    "Article",
    "Claim",
    "InputError",
    "MarketClaimsError",
    "Settings",
    "process_article",
    "__version__",
]

# The public names load their modules on first use (PEP 562), not when the package is imported:
# every `extractor.*` import runs this file first, and the pipeline brings spaCy and trafilatura
# (about a second), which `claims --help`, `claims db` or a sink alone never need.
_LAZY = {
    "process_article": "extractor.pipeline",
    "Article": "extractor.schemas",
    "Claim": "extractor.schemas",
    "Settings": "extractor.settings",
}


__getattr__ = lazy_attributes(__name__, globals(), _LAZY)
