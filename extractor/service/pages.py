"""The service's pages for people: the claims of an article, highlighted (the view of `claims show`).

    GET  /                          a form: a URL, or a page's HTML or text, and an optional publication date
    POST /view                      that form (application/x-www-form-urlencoded) -> the highlighted article
    GET  /v1/articles/{id}/view     a stored article (server started with --db) with its claims

The pages are rendered by `extractor.view` (no external resources). Each shows the verdicts of
the checks that need only the article (`verify_article` without references). Errors are pages
too, with the one-line reason the JSON API gives (`field: reason`) and the same status codes:
422 bad input, 413 too large, 503 busy, 504 too slow, 404 unknown article, 409 no database.
The JSON API is untouched; `create_app` includes `router` and nothing else changes.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from extractor.errors import MarketClaimsError
from extractor.inputs.pages import content_type_of
from extractor.schemas import Article, ArticleRef, Claim
from extractor.service.api_schemas import DocumentRequest, check_string
from extractor.service.core import ApiError, State, run_document
from extractor.verify import verify_article
from extractor.view import render_article, render_error, render_paste_form, stored_article

router = APIRouter()
FORM_FIELDS = ("url", "document", "published", "all_figures")
FORM_TYPE = "application/x-www-form-urlencoded"


def _form_error(
    status: int, message: str, values: dict[str, str], headers: dict[str, str] | None = None
) -> HTMLResponse:
    return HTMLResponse(render_paste_form(values, error=message), status_code=status, headers=headers)


def _document(values: dict[str, str]) -> DocumentRequest:
    """The form as the JSON API's request: the pasted document is `html` or `text` by its looks."""
    url = values.get("url", "").strip() or None
    document = values.get("document", "")
    published = values.get("published", "").strip() or None
    if not document.strip():
        if url is None:
            raise ApiError(422, "document", "paste the page's HTML or text, or give its URL", "missing")
        return DocumentRequest(url=url, published=published)
    field = content_type_of("<input>", document.encode("utf-8", "surrogatepass"))  # "html" or "text"
    return DocumentRequest(url=url, published=published, **{field: document})


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def start_page() -> HTMLResponse:
    """The paste form."""
    return HTMLResponse(render_paste_form())


@router.post("/view", response_class=HTMLResponse, include_in_schema=False)
async def view_pasted(request: Request, state: State) -> HTMLResponse:
    """The article of the form, highlighted; the form again with the reason when it cannot be read."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        return _form_error(415, f"body: send the form as {FORM_TYPE}", {})
    try:
        raw = (await request.body()).decode("utf-8")
        fields = parse_qs(raw, keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        return _form_error(422, f"body: not a readable form ({type(exc).__name__})", {})
    values = {k: v[0] for k, v in fields.items() if k in FORM_FIELDS and v}
    all_figures = bool(values.get("all_figures"))
    try:
        document = _document(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first.get("loc", ())) or "document"
        name = "document" if name in ("html", "text") else name
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        return _form_error(422, f"{name}: {message}", values)
    except ApiError as exc:
        return _form_error(exc.status, f"{exc.field}: {exc.message}", values)

    def page(article: Article) -> tuple[Article, str]:
        return article, render_article(article, verify_article(article), all_figures=all_figures, form=values)

    try:
        result = await run_document(state, document, page)
    except ApiError as exc:
        field = "document" if exc.field in ("html", "text") else exc.field
        return _form_error(exc.status, f"{field}: {exc.message}", values, exc.headers)
    assert isinstance(result, tuple)
    return HTMLResponse(result[1])


def _read_stored(state: State, article_id: str) -> tuple[ArticleRef, str | None, list[Claim]] | None:
    """The article row and the claims of `article_id`, or None when the database has no such article."""
    from extractor.sinks.sql import articles

    assert state.database is not None
    engine = state.database.sink().engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
    if row is None:
        return None
    m = row._mapping
    ref = ArticleRef(id=m["id"], url=m["url"], path=m["path"], title=m["title"], published=m["published"])
    return ref, m["site"], state.database.read(article_id=article_id)


@router.get(
    "/v1/articles/{article_id}/view",
    response_class=HTMLResponse,
    tags=["view"],
    responses={
        404: {"description": "No such article in the database (an HTML page)."},
        409: {"description": "The server has no database (start it with --db)."},
        503: {"description": "The database is unreachable."},
    },
)
def stored_view(
    state: State,
    article_id: Annotated[
        str, Path(max_length=200, description="The article's id (`article.id` of its claims).")
    ],
    all_figures: Annotated[bool, Query(description="Also show the figures that made no claim.")] = False,
) -> HTMLResponse:
    """A stored article as an HTML page: the sentences that state its claims, each claim highlighted,
    its record and verdict on hover (the database keeps those sentences, not the whole text)."""
    if state.database is None:
        return HTMLResponse(
            render_error("No database", "db: this server has no database: start it with --db URL"),
            status_code=409,
        )
    try:
        check_string(article_id)
        found = _read_stored(state, article_id)
    except ValueError as exc:
        return HTMLResponse(render_error("Bad article id", f"article_id: {exc}"), status_code=422)
    except (MarketClaimsError, SQLAlchemyError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return HTMLResponse(render_error("Database unreachable", f"database: {reason}"), status_code=503)
    if found is None:
        return HTMLResponse(
            render_error("No such article", f"article_id: no article {article_id!r} in the database"),
            status_code=404,
        )
    ref, site, claims = found
    report = verify_article(
        Article(
            id=ref.id, url=ref.url, path=ref.path, title=ref.title, published=ref.published, claims=claims
        )
    )
    note = (
        f"From the database: the {len(claims)} claim{'' if len(claims) == 1 else 's'} in the sentences that "
        "state them (the database keeps those sentences, not the whole article text)."
    )
    return HTMLResponse(
        render_article(stored_article(ref, claims, site), report, all_figures=all_figures, note=note)
    )
