"""Who a figure is about: the subject rules, best guess first.

In: a sentence, a figure, the metric it states and the context of earlier sentences. Out: the
subject (a gazetteer entry or an open-vocabulary name) and, for a correlation, its counterpart.
The order of the guesses: the names listed in the same order as the figures ("IT and Commercial
Services … 2.4% and 2.0%"); the name the figure is said "for"/"in"; the nearest name before it
in its clause, then in its sentence; a generic noun ("the sector", "the token") resolved to the
last subject of that kind; the name of the sentence before; the article's main subject.
"""

from __future__ import annotations

from extractor.extract.draft import Context, FigureLink, family_of
from extractor.extract.positions import relative_clauses
from extractor.extract.sentences import NOT_NAMES, NOT_TICKERS, Figure, Sentence
from extractor.extract.sourcing import SPEECH_VERBS, credited_spans
from extractor.extract.tokens import tokens_of
from extractor.metrics import metric_row
from extractor.rules import Entry, Hit, NameHit, lexicon, lexicon_map

COMPARED_WITH = lexicon("compared_with")


def remember_subjects(sentence: Sentence, context: Context) -> None:
    doc = sentence.span.doc
    context.last_stock = next(
        (h.entry for h in reversed(sentence.names("subject")) if h.entry.type == "stock"), None
    )
    for hit in sentence.names("subject"):
        if _compared_with(doc, sentence, hit):
            continue  # "XRP started a recovery wave, like Bitcoin and Ethereum": still about XRP
        entry = hit.entry
        context.subject = entry
        context.by_type[entry.type or "other"] = entry
        if not context.recent or context.recent[-1].name != entry.name:
            context.recent = [*context.recent[-3:], entry]
        if entry.name.endswith(("ETFs", "funds", "Funds")):
            context.aggregate = entry


def first_fitting(link: FigureLink) -> tuple[Entry | None, Entry | None]:
    """The first of the figure's candidate subjects (`subject_candidates`) the metric can be about,
    with its counterpart (the other coin of a correlation, …)."""
    sentence, fig, metric, context = link.sentence, link.fig, link.metric, link.context
    for candidate, other in subject_candidates(link):
        if family_of(metric) == "price" and candidate.type == "market":
            candidate = context.composites.get(candidate.name, candidate)  # "Nasdaq off 1.46%": the index
        if metric == "fund_flow" and candidate.type == "crypto":
            # "outflows from Bitcoin ETFs" are the spot funds'; "inflows into Bitcoin" its investment products'
            groups = context.spot_etfs if "ETF" in sentence.span_text else context.fund_groups
            candidate = groups.get(candidate.name, candidate)
        if _subject_fits(metric, candidate, link.kind, fig):
            return candidate, other
    return None, None


def subject_candidates(link: FigureLink):  # noqa: C901 - the guesses in order of trust, one generator a reader follows top to bottom
    """Who the figure is about, best guess first: the name it is said "for"/"in"; the names listed
    in the same order as the figures; the nearest name before it in its clause, then in its
    sentence; the name of the sentence before; the article's main subject. Yields (subject, counterpart)."""
    sentence, fig, seg, metric, ordered, context = (
        link.sentence,
        link.fig,
        link.seg,
        link.metric,
        link.ordered,
        link.context,
    )
    doc = sentence.span.doc
    lower = tokens_of(doc).lower  # the rules below read token words as lists, not Token objects
    credited = credited_spans(sentence)
    subjects = [
        h
        for h in sentence.names("subject")
        if not _is_venue_use(sentence, h)
        and not _is_group_modifier(doc, h)
        and (h.start, h.end) not in credited
        and not _excluded_name(doc, h)
        and not _names_an_excluded_topic(sentence, h)
    ]
    subjects = [h for h in subjects if not _inside_appositive(doc, h, subjects, fig)]
    # "XME, which gives exposure to that part of the U.S. stock market, was surging 3%": a name in passing
    relative = relative_clauses(sentence)
    subjects = [
        h for h in subjects if not any(a <= h.start < b and not a <= fig.start < b for a, b in relative)
    ]
    # "Ether ETPs drew 60% more inflows than Bitcoin ETPs": the name compared with is not the subject
    subjects = [h for h in subjects if not _compared_with(doc, sentence, h)] or subjects
    counterpart = None
    if metric == "correlation":
        between_at = next(
            (
                i
                for i in range(sentence.span.start, sentence.span.end)
                if lower[i] == "between" and i < fig.end + 6
            ),
            None,
        )
        pair = [h for h in subjects if between_at is not None and h.start > between_at][:2]
        if len(pair) == 2:
            yield pair[0].entry, pair[1].entry
            return
        for h in subjects:
            before = [w for w in lower[max(0, h.start - 2) : h.start] if w != "the"]
            if before and before[-1] in {"with", "and", "against", "to", "versus", "vs"}:
                counterpart = h
        if counterpart is None and "the two" in sentence.lower_text and len(context.recent) >= 2:
            yield context.recent[-2], context.recent[-1]  # "the correlation between the two"
            return
        subjects = [h for h in subjects if h is not counterpart]
    other = counterpart.entry if counterpart else None
    if fig.start in ordered:
        yield ordered[fig.start], other
    # "the 2.5% for Nasdaq-100 stocks", "$61,500 for Bitcoin", "4.6% in the Russell 2000"
    cue_tokens = {i for c in sentence.cues("metrics") for i in range(c.start, c.end)}
    if _unknown_name_follows(doc, sentence, fig):
        return  # "6.8% for Runes": about a name no gazetteer lists; better no claim than a wrong subject
    moves = {i for c in sentence.cues("changes") for i in range(c.start, c.end)}
    for h in subjects:
        gap = [w for w in lower[fig.end : h.start] if w != "the"]
        if (
            len(gap) == 2
            and gap[1] == "by"
            and gap[0] in {"registered", "recorded", "posted", "seen", "reported"}
        ):
            yield h.entry, other  # "larger than the $203 million registered by the Bitcoin spot ETFs"
    for h in subjects:
        # "a 5.6% jump for Barrick Gold", "a 3.6% fall in e-commerce firm Shopify": the move's noun, then the name
        between = list(doc[fig.end + 2 : h.start]) if fig.end + 2 <= h.start else None
        if (
            between is not None
            and fig.end in moves
            and doc[fig.end + 1].lower_ in {"for", "in"}
            and len(between) <= 4
            and all(t.is_lower or t.text == "-" for t in between)
        ):
            yield h.entry, other
    for h in subjects:
        # "a 3.7% surge in the communication services sector": the move's noun stands between
        start = fig.end + (1 if fig.end in moves else 0)
        gap = [lower[i] for i in range(start, h.start) if i not in cue_tokens]
        on_market = (
            gap[:1] == ["on"] and h.entry.type == "market"
        )  # "20.1 billion shares changed hands on U.S. exchanges"
        if (
            0 < len(gap) <= 4
            and (gap[0] in {"for", "in", "among", "seen", "of", "into", "from"} or on_market)
            and all(
                g
                in {
                    "for",
                    "in",
                    "among",
                    "seen",
                    "the",
                    "of",
                    "into",
                    "from",
                    "recorded",
                    "across",
                    "its",
                    "median",
                    "average",
                    "on",
                    "typical",
                    "members",
                    "constituents",
                    "components",
                    "companies",
                    "stocks",
                    "monthly",  # "$3.1 billion in monthly BTC options"
                    "weekly",
                    "quarterly",
                }
                for g in gap
            )
        ):
            yield h.entry, other
    same_before = sorted(
        (h for h in subjects if h.end <= fig.start and sentence.segment(h.start) == seg), key=lambda h: -h.end
    )
    any_before = sorted((h for h in subjects if h.end <= fig.start), key=lambda h: -h.end)
    generic = _generic_plural(doc, sentence, fig, any_before)
    if generic and context.aggregate is not None:
        yield context.aggregate, other  # "cumulative net inflows into the products"
    generic_type = _generic_singular(doc, sentence, fig, any_before)
    if not any_before and generic_type:
        # "The average stock in the sector had 5.9% of its float sold short", "the world's second-largest
        # cryptocurrency … was trading at $2,715": the last subject of that kind
        wanted = context.by_type.get(GENERIC_TYPES.get(generic_type, ""))
        if wanted is not None:
            yield wanted, other
        if context.subject is not None:
            yield context.subject, other
    if _possessive_pronoun_before(doc, sentence, fig) and any_before:
        yield (
            min(any_before, key=lambda h: h.start).entry,
            other,
        )  # "XRP's … with Bitcoin …, and its daily RSI"
    if not any_before and _unnamed_group(doc, sentence, fig):
        return  # "Many smaller tokens fell 40% to 70%": about no one subject
    for h in subjects:
        if h.start < fig.end and fig.start < h.end and h.entry.type == "currency":
            yield h.entry, other  # "the dollar climbed to 154.67 yen": the currency is written in the figure
    for h in same_before + any_before:
        yield h.entry, other
    for h in subjects:
        if h.start < fig.end and fig.start < h.end:
            yield h.entry, other
    if not any_before:
        for h in subjects:
            gap = lower[fig.end : h.start]
            if 2 <= len(gap) <= 8 and gap[-2:] in (["of", "the"], ["chart", "of"]) and "," not in gap:
                yield h.entry, other  # "support at $184.50 on the hourly chart of the SOL/USD pair"
    first_word = next((t.lower_ for t in sentence.span if t.is_alpha), "")
    opening = [w for w in sentence.words[:4] if w.isalpha()][:2]
    if not any_before and (opening[:1] == ["shares"] or opening in STOCK_ANAPHORA):
        # "MGM Resorts reported results late Wednesday. Shares surged 16% intraday": the stock just named
        if context.last_stock is not None:  # named in the sentence just before, not anywhere earlier
            yield context.last_stock, other
    if _unknown_name_before(sentence, fig):
        return  # "The Shanghai Composite .SSEC closed 1.5% lower": a name we do not know, not the last one we did
    if not sentence.names("subject") or (
        not any_before and first_word in {"its", "it", "their", "they", "this", "that"}
    ):
        if context.subject is not None:
            yield context.subject, other  # "The second-largest token was quoted at $1,921"
        if context.topic is not None:
            yield context.topic, other  # a technical note about one coin names it once, in the title


STOCK_ANAPHORA = [
    ["the", "shares"],
    ["the", "stock"],
    ["its", "shares"],
    ["its", "stock"],
    ["their", "shares"],
]


MODIFIED_NOUNS = lexicon("modified_nouns")


GENERIC_PLURALS = lexicon("generic_plurals")


GENERIC_TYPES: dict[str, str] = dict(lexicon_map("generic_nouns"))


GENERIC_SINGULARS = frozenset(GENERIC_TYPES)


def _unknown_name_before(sentence: Sentence, fig: Figure) -> bool:
    """A capitalized word before the figure that is not a known name, a source, a venue, a rule word,
    a date or a sentence opener."""
    doc = sentence.span.doc
    covered = {
        i
        for h in [
            *sentence.names("subject"),
            *sentence.names("source"),
            *sentence.names("venue"),
            *(
                cue
                for kind in ("metrics", "levels", "changes", "attribution", "hedges", "qualifiers")
                for cue in sentence.cues(kind)
            ),
        ]
        for i in range(h.start, h.end)
    }
    dated = {i for tok, d, _ in sentence.dates for i in range(tok, tok + len(d.text.split()))}
    tokens = tokens_of(doc)
    first = sentence.span.start
    speakers = {
        i + d
        for i in range(first, sentence.span.end)
        if tokens.lower[i] in SPEECH_VERBS
        for d in (-2, -1, 1, 2)
    }
    for i in range(first, min(fig.start, len(tokens))):
        if i == first or i in covered or i in dated or i in speakers or not tokens.is_alpha[i]:
            continue
        word = tokens.text[i]
        if (
            word[:1].isupper()
            and word not in NOT_NAMES
            and len(word) > 1
            and (not tokens.is_upper[i] or word.upper() not in NOT_TICKERS)
        ):
            return True
    return False


def _unknown_name_follows(doc, sentence: Sentence, fig: Figure) -> bool:
    after = doc[fig.end : min(fig.end + 2, sentence.span.end)]
    if len(after) < 2 or after[0].lower_ not in {"for", "in"}:
        return False
    name = after[1]
    if any(sentence.text.startswith(place, name.idx) for place in lexicon("places")):
        return False  # "slid 20% in Hong Kong": where it trades
    known = any(
        h.start <= name.i < h.end for kind in ("subject", "source", "venue") for h in sentence.names(kind)
    )
    return (
        name.text[:1].isupper()
        and any(c.isalpha() for c in name.text)
        and not known
        and name.text not in NOT_NAMES
    )


def _possessive_pronoun_before(doc, sentence: Sentence, fig: Figure) -> bool:
    clause = tokens_of(doc).lower[sentence.span.start : fig.start]
    cut = max((i for i, t in enumerate(clause) if t in {",", ";", "and"}), default=-1)
    return any(t in {"its", "their"} for t in clause[cut + 1 :])


def _unnamed_group(doc, sentence: Sentence, fig: Figure) -> bool:
    tokens = tokens_of(doc).lower[sentence.span.start : fig.start]
    return any(t in lexicon("unnamed_group_nouns") for t in tokens)


def _generic_singular(doc, sentence: Sentence, fig: Figure, named_before: list[NameHit]) -> str:
    """ "the sector", "the small-cap benchmark": the subject named just before, not a new one."""
    start = named_before[0].end if named_before else sentence.span.start
    lists = tokens_of(doc)
    tokens = lists.lower[start : fig.start]
    # "the sector", "the small-cap benchmark", "The electric-vehicle maker": the last such noun, or ""
    found = ""
    texts, alpha = lists.text[start : fig.start], lists.is_alpha[start : fig.start]
    for i, token in enumerate(tokens):
        if token == "the":
            for j, following in enumerate(tokens[i + 1 : i + 8], start=i + 1):
                if following in GENERIC_SINGULARS:
                    # "The KBW Regional Banking index": a name we do not know, not "the index" of before
                    named = any(
                        texts[k][:1].isupper() and alpha[k] and texts[k] not in NOT_NAMES
                        for k in range(i + 1, j)
                    )
                    found = "" if named else following
                    break
                if following in {",", ".", ";", "the", "of"}:
                    break
    return found


def _generic_plural(doc, sentence: Sentence, fig: Figure, named_before: list[NameHit]) -> bool:
    """ "the products", "the twelve funds": a group named before, not a new subject."""
    start = named_before[0].end if named_before else sentence.span.start
    like_num = tokens_of(doc).like_num
    tokens = tokens_of(doc).lower[start : fig.start]
    return any(
        a in {"the", "these", "those", "all", "twelve", "eleven", "nine", "ten"} and b in GENERIC_PLURALS
        for a, b in zip(tokens, tokens[1:])
    ) or any(
        t in GENERIC_PLURALS
        and i > 0
        and tokens[i - 1].isalpha()
        and tokens[i - 1] not in {"bitcoin", "ether", "ethereum"}
        and like_num[sentence.span.start + i - 1]
        for i, t in enumerate(tokens)
        if sentence.span.start + i - 1 >= start
    )


def _compared_with(doc, sentence: Sentence, hit: Hit) -> bool:
    """A name written only as a comparison ("like Bitcoin and Ethereum", "than Solana")."""
    i = hit.start - 1
    names = {j for h in sentence.names("subject") for j in range(h.start, h.end)}
    lower = tokens_of(doc).lower
    while i >= sentence.span.start and (lower[i] in {"and", ",", "the", "or"} or i in names):
        i -= 1
    return i >= sentence.span.start and lower[i] in COMPARED_WITH


def _inside_appositive(doc, hit: NameHit, subjects: list[NameHit], fig: Figure) -> bool:
    """ "Robusta, a cheaper cousin of arabica, rose 2.4%": a name inside the appositive that describes
    the subject named just before it is not what the figure is about."""
    if hit.end > fig.start:
        return False
    tokens = tokens_of(doc)
    text = tokens.text
    opening = next((i for i in range(hit.start - 1, max(0, hit.start - 10) - 1, -1) if text[i] == ","), None)
    if opening is None or tokens.lower[opening + 1] not in {"a", "an", "the"}:
        return False
    # the name the appositive describes ends at the comma, or before its ticker: "The CoinDesk 20 Index (CD20), a …"
    if not any(
        h.end == opening or (text[h.end] == "(" and text[opening - 1] == ")" and opening - h.end <= 4)
        for h in subjects
        if h is not hit
    ):
        return False
    return "," in text[hit.end : fig.start]


def _names_an_excluded_topic(sentence: Sentence, hit: NameHit) -> bool:
    """ "core PPI", "The US Producer Price Index": a name without a ticker that is (part of) a topic
    outside the vocabulary is that topic, not a subject ("Leidos Holdings (LDOS)" keeps its name)."""
    if hit.entry.symbol and hit.rule_id != "subject.open_ticker":
        return False
    return any(
        e.start < hit.end
        and hit.start < e.end
        and (e.end > hit.end or (e.start, e.end) == (hit.start, hit.end))
        for e in sentence.cues("exclusions")
    )


def _excluded_name(doc, hit: Hit) -> bool:
    """ "the total crypto market capitalization, excluding Bitcoin and Ethereum": not the subject."""
    before = set(tokens_of(doc).lower[max(0, hit.start - 4) : hit.start])
    return bool(before & {"excluding", "except", "ex", "without", "besides"})


def _is_group_modifier(doc, hit: Hit) -> bool:
    """ "the 11 major S&P 500 sectors": the index names a group here, not what is measured."""
    tokens = tokens_of(doc)
    following = tokens.lower[hit.end : hit.end + 4]
    if following and following[0] in MODIFIED_NOUNS:
        return True  # "the world's largest Bitcoin mining firm": Bitcoin describes the firm
    for i, word in enumerate(following, start=hit.end):
        if word in {
            "sectors",
            "industries",
            "groups",
            "components",
            "constituents",
            "indexes",
            "indices",
        }:
            return True
        if not (word in {"'s", "’s", "major", "main", "sector", "industry"} or tokens.like_num[i]):
            return False
    return False


def _is_venue_use(sentence: Sentence, hit: Hit) -> bool:
    """ "on Coinbase" names the venue, not the company."""
    doc = sentence.span.doc
    before = tokens_of(doc).lower[hit.start - 1] if hit.start else ""
    return before in {"on", "across", "at"} and any(v.start == hit.start for v in sentence.names("venue"))


def respectively(sentence: Sentence) -> dict[int, Entry]:
    """ "short interest in the IT and Commercial Services sectors stands at 2.4% and 2.0%": names and
    figures listed in the same order are paired one to one."""
    doc = sentence.span.doc
    lower = tokens_of(doc).lower
    pairs: dict[int, Entry] = {}
    figs = sentence.figures
    i = 0
    while i < len(figs):
        j = i
        while j + 1 < len(figs) and set(lower[figs[j].end : figs[j + 1].start]) <= {
            "and",
            ",",
            "respectively",
        }:
            j += 1
        run = figs[i : j + 1]
        if len(run) >= 2:
            before = [
                h
                for h in sentence.names("subject")
                if h.end <= run[0].start and sentence.segment(h.start) == sentence.segment(run[0].start)
            ]
            names = listed_together(doc, before)
            if len(names) == len(run):
                for f, h in zip(run, names, strict=True):
                    pairs[f.start] = h.entry
        i = j + 1
    return pairs


def listed_together(doc, hits: list[NameHit]) -> list[NameHit]:
    """The last run of names joined only by "and", commas and "the"."""
    run: list[NameHit] = []
    for h in hits:
        gap = set(tokens_of(doc).lower[run[-1].end : h.start]) if run else set()
        # "AI chipmakers Nvidia and Broadcom": a name right before another describes it, it is not listed
        if run and gap and gap <= {"and", ",", "the"}:
            run.append(h)
        else:
            run = [h]
    return run


def _subject_fits(metric: str, subject: Entry, kind: str, fig: Figure) -> bool:
    """Whether `subject` can be what a figure of `metric` (of unit kind `kind`) is about: a subject
    type the registry lets the metric take, narrowed by what the figure and the name say."""
    stype = subject.type or "other"
    takes_type = stype in metric_row(metric).subject_types
    if metric in {"price", "price_level"}:
        if kind in {"points", "number"}:
            return stype == "index" and fig.quantity.value > 0
        # an index is priced in points; a group of funds ("US spot Ether ETFs", "Bitcoin investment
        # products") has flows, not a price
        return (
            takes_type
            and stype != "index"
            and not subject.tenor
            and not subject.name.endswith(("ETFs", "products", "funds"))
        )
    if metric == "price_change":
        # a group of funds has flows, not a price that moves ("Solana ETPs jumped 95%" speaks of flows)
        return (
            takes_type
            and (kind != "number" or stype == "index")
            and not subject.name.endswith(("ETFs", "products", "funds"))
        )
    if metric == "yield":
        return takes_type and bool(subject.tenor)
    if metric == "fund_flow":
        return takes_type or any(w in subject.name for w in ("ETF", "Fund", "Trust", "fund"))
    if metric.startswith("short_interest"):
        # short interest is a stock-market measure: stocks, indices, sectors, ETFs, exchanges
        return takes_type and "crypto" not in subject.name.lower()
    return takes_type
