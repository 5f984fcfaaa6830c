"""Who a figure is credited to, and the hedge written before it.

"according to CoinGecko", "per Farside Investors data", "CoinMarketCap figures show", "said
Marcus Feld": the named source nearest the figure; "approximately 4.6%": the hedge.
"""

from __future__ import annotations

from typing import cast

from extractor.extract.sentences import Figure, Sentence
from extractor.extract.tokens import tokens_of
from extractor.rules import lexicon

SPEECH_VERBS = lexicon("speech_verbs")


REPORT_VERBS = {"reported", "reports"}


def _closes_the_sentence(doc, sentence: Sentence, verb) -> bool:
    """ "…, CoinShares reported on Monday.": a report verb credits a source when it ends the
    sentence after a comma, not when it opens a clause of news ("after the Journal reported that …")."""
    before = doc[max(sentence.span.start, verb.i - 5) : verb.i]
    after = [t.lower_ for t in doc[verb.i + 1 : sentence.span.end]]
    return any(t.text == "," for t in before) and "that" not in after[:1] and len(after) <= 5


NAME_STOP = lexicon("name_stop")


def credited_source(sentence: Sentence, fig: Figure) -> tuple[str, bool] | None:
    """The named source nearest the figure that the sentence credits, and whether it is credited
    as data: a provider after "according to" / "per" / "data from" or before "data" / "figures
    show" (True); a person or a firm who "said" it (False)."""
    if "credited" not in sentence.memo:  # the sentence's sources are the same for each of its figures
        sentence.memo["credited"] = _credited(sentence)
    credited = cast(list[tuple[int, str, bool]], sentence.memo["credited"])
    if not credited:
        return None
    _, name, as_data = min(credited, key=lambda c: abs(c[0] - fig.start))
    return name, as_data


def _credited(sentence: Sentence) -> list[tuple[int, str, bool]]:
    """(token, name, as data) of every source the sentence credits, in the order the rules find them."""
    doc = sentence.span.doc
    lower = tokens_of(doc).lower
    cues = sentence.cues("attribution")
    credited: list[tuple[int, str, bool]] = []
    for s in sentence.names("source"):
        before = any(c.label == "before" and c.end <= s.start and s.start - c.end <= 6 for c in cues)
        after = any(c.label == "after" and c.start >= s.end and c.start - s.end <= 1 for c in cues)
        paren = s.start >= 2 and doc[s.start - 2 : s.start].text.replace(" ", "").lower() in {
            "(source:",
            "source:",
        }
        on_tracker = s.start > 0 and doc[s.start - 1].lower_ == "on" and s.label in lexicon("price_trackers")
        if before or after or paren or on_tracker:
            credited.append((s.start, s.label, True))
    for c in cues:
        if c.label == "before" and c.rule_id.startswith("attribution.according_to"):
            name = _name_at(doc, c.end, sentence.span.end)
            if name:
                credited.append((c.end, name, True))
    subject_names = {h.label for h in sentence.names("subject")} | {
        sentence.text[h.start_char : h.end_char] for h in sentence.names("subject")
    }
    for i in range(sentence.span.start, sentence.span.end):
        if lower[i] in SPEECH_VERBS:
            if lower[i] in REPORT_VERBS and not _closes_the_sentence(doc, sentence, doc[i]):
                continue  # "fell 3% after the Journal reported …" is news, not the figure's source
            if _speaks_in_a_cause(lower, i, sentence.span.start):
                continue  # "rallied 0.5% after the Bank of England said …": why it moved, not who says so
            name = _name_at(doc, i + 1, sentence.span.end) or _name_before(doc, i, sentence.span.start)
            if name and name not in subject_names:
                credited.append((i, name, False))
    return credited


def _speaks_in_a_cause(lower: list[str], verb: int, first: int) -> bool:
    """Is the speech verb at `verb` in a clause a cause word opens, a few words back with no comma
    between ("after Oppenheimer warned", "following the Fed's statement, officials said" is not)?"""
    for i in range(verb - 1, max(first, verb - 7) - 1, -1):
        if lower[i] in {",", ";", ":"}:
            return False
        if lower[i] in lexicon("cause_openers"):
            return True
    return False


DATA_NOUNS = lexicon("data_nouns")
DEMONSTRATIVES = lexicon("demonstratives")
BACK_CREDIT_CUES = lexicon("back_credit_cues")


def credit_looking_back(sentence: Sentence) -> str | None:
    """ "This data was shared by journalist Colin Wu on his X account.": a sentence without figures
    that credits the figures just stated. The name (the first capitalized run after the cue), or None."""
    if not sentence.word_set & DATA_NOUNS:
        return None
    doc, end = sentence.span.doc, sentence.span.end
    words = [t for t in sentence.span if not t.is_punct]
    if len(words) < 4 or words[0].lower_ not in DEMONSTRATIVES or words[1].lower_ not in DATA_NOUNS:
        return None
    for t in words[2:8]:
        if t.lower_ in BACK_CREDIT_CUES or (t.lower_ == "by" and doc[t.i - 1].lower_ in BACK_CREDIT_CUES):
            start = t.i + 2 if t.i + 1 < end and doc[t.i + 1].lower_ == "by" else t.i + 1  # "shared by"
            name = next((u for u in doc[start : min(start + 8, end)] if _is_name_token(u)), None)
            return _name_at(doc, name.i, end) if name is not None else None
    return None


PRONOUNS = {"he", "she"}
PRONOUN_SPEECH = SPEECH_VERBS | lexicon("present_speech_verbs")


def person_named(sentence: Sentence) -> str | None:
    """The last person the sentence names after a job word ("analyst J. Derrick Wood raised his
    target"): whom a following "He highlights that …" means."""
    if not sentence.word_set & lexicon("person_roles"):
        return None
    doc = sentence.span.doc
    found = None
    for t in sentence.span:
        if t.lower_ in lexicon("person_roles") and t.i + 1 < sentence.span.end:
            words = []
            for u in doc[t.i + 1 : min(t.i + 5, sentence.span.end)]:
                if _is_name_token(u) or (len(u.text) == 2 and u.text[0].isupper() and u.text[1] == "."):
                    words.append(u.text)
                else:
                    break
            if len(words) >= 2:
                found = " ".join(words)
    return found


def speaks_through_pronoun(sentence: Sentence) -> bool:
    """ "He highlights that the stock is only up 5%": the figure is the person named just before."""
    words = [w for w in sentence.words[:4] if w.isalpha()][:2]
    return len(words) == 2 and words[0] in PRONOUNS and words[1] in PRONOUN_SPEECH


def credited_spans(sentence: Sentence) -> set[tuple[int, int]]:
    """Sources the sentence credits ("compiled by Goldman Sachs"): such a name is not the subject."""
    cues = sentence.cues("attribution")
    return {
        (s.start, s.end)
        for s in sentence.names("source")
        if any(c.label == "before" and c.end <= s.start and s.start - c.end <= 3 for c in cues)
        or any(c.label == "after" and c.start == s.end for c in cues)
    }


def _is_name_token(t) -> bool:
    return (
        t.is_alpha
        and t.text[:1].isupper()
        and t.text not in {"The", "A", "An", "It", "He", "She", "They", "We", "I"}
    )


def _name_at(doc, start: int, limit: int) -> str | None:
    """ "according to CoinPulse market data" -> "CoinPulse"; "said Marcus Feld, head of …" -> "Marcus Feld"."""
    words: list[str] = []
    for t in doc[start : min(start + 6, limit)]:
        if _is_name_token(t) or (words and t.text in {"&", "of"}):
            words.append(t.text)
        elif words or t.lower_ not in NAME_STOP:
            break
    while words and words[-1] in {"&", "of"}:
        words.pop()
    return " ".join(words) or None


def _name_before(doc, end: int, limit: int) -> str | None:
    """ "Feld flagged $85,000 as the key resistance" -> "Feld"."""
    words: list[str] = []
    i = end - 1
    while i >= limit and _is_name_token(doc[i]) and len(words) < 4:
        words.insert(0, doc[i].text)
        i -= 1
    if not words or (
        i + 1 == limit and len(words) == 1 and doc[limit].text in {"Analysts", "Traders", "Investors"}
    ):
        return None
    return " ".join(words)


def hedge_before(sentence: Sentence, fig: Figure) -> str | None:
    lower = tokens_of(sentence.span.doc).lower
    for h in sentence.cues("hedges"):
        gap = lower[h.end : fig.start]
        # "about $4.6 billion", "nearly a 5% drop", "near the $2,780 level" (but "above the $10.6
        # billion seen in 2021" compares with another figure: no hedge of it)
        allowed = {"a", "an", "of"} | ({"the"} if h.label not in lexicon("threshold_hedges") else set())
        if h.end <= fig.start and len(gap) <= 1 and all(g in allowed for g in gap):
            return h.label
    return None
