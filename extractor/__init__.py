"""market-claims: market-commentary articles in, verified and normalized claims out.

from extractor import process_article
article = process_article(html, url="https://…", published="2025-05-08")
for claim in article.claims:
    print(claim.metric, claim.subject, claim.value, claim.unit)
"""

from extractor.errors import InputError, MarketClaimsError
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
