"""Reference observations: what the market really did, read from CSV or JSON Lines files.

In: one or more files of observations. Two shapes are accepted (the header decides):

* observations: `subject,metric,date,value` plus optional `low,high,source,symbol`;
* daily bars, as in `../shared/external/prices/daily.csv`:
  `subject,symbol,metric,date,open,high,low,close,volume,source` (value = close, low/high =
  the day's range; `metric` defaults to `price`).

A JSON Lines file holds one object per line with the same keys. Figures must be real market
data: finite (no `inf`, `nan`, `1e999`), within ±1e18, not negative for a level that cannot be
(price, volume, market cap, open interest), with `low` <= `high`; any other row is refused with
the file and line. Out: a `References` index,
and `check_references(claims, references, tol)` -> the verdicts of the claims it can check.

A claim meets a row when the subject or the symbol is the same (case-insensitive), the metric
is the same (a day's low or high, `price_level` with `level` low/high, is read against `price`
rows) and the row's date is the claim's market day (`dates.market_day`: the UTC day for crypto,
the New York day for stocks and indices).
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.errors import InputError
from extractor.lexicon import lexicon
from extractor.schemas import Claim
from extractor.verify import dates
from extractor.verify.checks import NON_NEGATIVE, show
from extractor.verify.sense import Sense, sense_of
from extractor.verify.tolerances import Tolerances
from extractor.verify.verdicts import Observation, Strength, Verdict, VerdictKind

OBSERVATION_COLUMNS = ("subject", "metric", "date", "value")
DAILY_COLUMNS = ("subject", "date", "close")
PRICE_UNITS = {"USD", "points"}  # the reference files give prices in US dollars or index points
TOUCHED_LEVELS = {"low", "high"}  # price levels the market traded at that day
MAX_MAGNITUDE = 1e18  # larger figures are not market data (and would overflow the checks)


# --------------------------------------------------------------------------- reading


def read_observations(path: str | Path) -> list[Observation]:
    """The observations of one CSV or JSONL file; `InputError` naming the file (and line) when
    it is missing, empty or malformed."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(name, "no such reference file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(name, f"cannot read reference file ({exc})") from None
    rows = _jsonl_rows(name, text) if path.suffix.lower() in (".jsonl", ".ndjson") else _csv_rows(name, text)
    observations = [_observation(name, line, row) for line, row in rows]
    if not observations:
        raise InputError(name, "reference file has no rows")
    return observations


def _csv_rows(name: str, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines())
    header = [c.strip().lower() for c in reader.fieldnames or []]
    if not (set(OBSERVATION_COLUMNS) <= set(header) or set(DAILY_COLUMNS) <= set(header)):
        raise InputError(
            name,
            "reference CSV needs the columns subject,metric,date,value "
            "(or subject,symbol,metric,date,open,high,low,close,volume,source); "
            f"found {','.join(header) or 'no header'}",
        )
    reader.fieldnames = header
    yield from enumerate(reader, start=2)


def _jsonl_rows(name: str, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(name, f"line {line}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InputError(name, f"line {line}: expected a JSON object")
        yield line, {str(k).lower(): v for k, v in row.items()}


def _observation(name: str, line: int, row: dict[str, Any]) -> Observation:
    """One row in either shape as an `Observation`."""

    def get(key: str) -> Any:
        value = row.get(key)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    daily = get("value") is None and get("close") is not None
    data = {
        "subject": get("subject") or get("symbol"),
        "symbol": get("symbol"),
        "metric": get("metric") or ("price" if daily else None),
        "date": get("date"),
        "value": get("close") if daily else get("value"),
        "low": get("low"),
        "high": get("high"),
        "source": get("source"),
    }
    missing = [k for k in ("subject", "metric", "date", "value") if data[k] is None]
    if missing:
        raise InputError(name, f"line {line}: no {' or '.join(missing)}")
    if dates.day(str(data["date"])) != str(data["date"]):
        raise InputError(name, f"line {line}: date {data['date']!r} is not an ISO date (YYYY-MM-DD)")
    try:
        obs = Observation.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(name, f"line {line}: {first['loc'][0]}: {first['msg']}") from None
    problem = implausible(obs)
    if problem:
        raise InputError(name, f"line {line}: {problem}")
    return obs


def implausible(obs: Observation) -> str | None:
    """Why a row cannot be market data (non-finite, huge, negative level, low above high), or None."""
    figures = {"value": obs.value, "low": obs.low, "high": obs.high}
    for key, figure in figures.items():
        if figure is None:
            continue
        if not math.isfinite(figure):
            return f"{key}: {figure} is not a finite number"
        if abs(figure) > MAX_MAGNITUDE:
            return f"{key}: {figure:g} is beyond \u00b1{MAX_MAGNITUDE:g}"
        if obs.metric in NON_NEGATIVE and figure < 0:
            return f"{key}: {figure:g} is negative, and a {obs.metric.replace('_', ' ')} cannot be"
    if obs.low is not None and obs.high is not None and obs.low > obs.high:
        return f"low {obs.low:g} is above high {obs.high:g}"
    return None


# --------------------------------------------------------------------------- the index


@dataclass
class References:
    """Observations indexed by (subject or symbol, metric, date), all lower-case but the date."""

    observations: list[Observation]
    _index: dict[tuple[str, str, str], list[Observation]] = field(default_factory=dict, repr=False)
    _names: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str, str], list[Observation]] = defaultdict(list)
        for obs in self.observations:
            for name in {obs.subject.lower(), (obs.symbol or obs.subject).lower()}:
                index[(name, obs.metric, obs.date)].append(obs)
                self._names.add((name, obs.metric))
        self._index = dict(index)

    def __len__(self) -> int:
        return len(self.observations)

    def lookup(self, claim: Claim, day: str | None = None) -> list[Observation]:
        """The rows about the claim's subject, metric and market day (see the module docstring),
        or of another `day`."""
        metric = reference_metric(claim)
        day = day or dates.market_day(claim.as_of, claim.subject_type)
        if metric is None or day is None:
            return []
        found: list[Observation] = []
        for name in _names_of(claim):
            for obs in self._index.get((name, metric, day), []):
                if obs not in found:
                    found.append(obs)
        return found

    def covers(self, claim: Claim) -> bool:
        """Whether any row is about the claim's subject and metric (on any day)."""
        metric = reference_metric(claim)
        return metric is not None and any((name, metric) in self._names for name in _names_of(claim))


def _names_of(claim: Claim) -> set[str]:
    return {claim.subject.lower(), *([claim.symbol.lower()] if claim.symbol else [])}


def reference_metric(claim: Claim) -> str | None:
    """The metric of the rows a claim is read against, or None when a reference cannot check it:
    a price in another currency, or a price level that is not a day's low or high (support,
    resistance, target)."""
    if claim.metric in ("price", "price_level") and claim.unit not in PRICE_UNITS:
        return None
    if claim.metric == "price_level":
        return "price" if claim.qualifiers.get("level") in TOUCHED_LEVELS else None
    return claim.metric


def load_references(paths: Iterable[str | Path]) -> References:
    """All observations of the given files, indexed."""
    observations: list[Observation] = []
    for path in paths:
        observations.extend(read_observations(path))
    return References(observations)


# --------------------------------------------------------------------------- checking


def check_references(claims: list[Claim], references: References, tol: Tolerances) -> list[Verdict]:
    """The verdict of each claim a reference row bears on (see `check_reference`)."""
    out = []
    for claim in claims:
        verdict = check_reference(claim, references, tol)
        if verdict is not None:
            out.append(verdict)
    return out


# senses of a figure that no observation can confirm or refute (see `sense`)
NOT_OBSERVED = {
    "level": "a level, zone or range bound, not a price it traded at",
    "forecast": "a forecast, condition or option strike, not a price it traded at",
    "malformed": "the figure is misprinted in the text",
    "move": "the size of a move, not a price",
}
# a figure more than this factor away from every price of the day is most likely about something else
IMPLAUSIBLE_FACTOR = 2.0


def market_days(claim: Claim) -> list[tuple[str, bool]]:
    """The days whose rows a claim is read against, each with whether it is the claim's own day.

    The claim's market day (`dates.market_day`); and, for a figure dated only by the day of
    publication, also the market days of the 24 hours before the publication moment (a figure
    "at the time of writing" of an article published late on 20 June in New York is of the
    21 June UTC bar of a coin; "traded as high as" in an article of 03:18 UTC is most likely
    about the day before).
    """
    day = dates.market_day(claim.as_of, claim.subject_type)
    if day is None:
        return []
    days = [(day, True)]
    published = claim.article.published
    if (
        not dates.has_time(claim.as_of)
        and dates.has_time(published)
        and dates.day(claim.as_of) == dates.day(published)
    ):
        for moment in dates.days_before(published, hours=24, subject_type=claim.subject_type):
            if moment not in {d for d, _ in days}:
                days.append((moment, False))
    return days


def check_reference(claim: Claim, references: References, tol: Tolerances) -> Verdict | None:
    """One claim against the rows of its day(s); None when no row bears on it.

    Only a figure stated as an observed value (`sense.observed`) can be contradicted, and only
    by rows of every day it may speak of; a threshold crossing is supported when the day's
    high or low went past it, else unverifiable; a level, forecast, misprint or move size is
    unverifiable with the reason; a figure whose words say nothing is supported when a row
    agrees, else unverifiable. Strength: `strong` for a close against the close or a
    time-stamped price against its day, `moderate` for a price dated by its day, `weak` when
    only the publication's other day or an unclear figure agrees.
    """
    if reference_metric(claim) is None or not references.covers(claim):
        return None
    days = market_days(claim)
    rows = [(obs, own) for day, own in days for obs in references.lookup(claim, day)]
    if not rows:
        return None
    meaning = sense_of(claim)
    if meaning.kind in NOT_OBSERVED:
        return _unverifiable(
            claim,
            f"{_stated(claim)} is {NOT_OBSERVED[meaning.kind]}"
            + (f" (\u201c{meaning.word}\u201d)" if meaning.word else ""),
        )
    judged = [(judge(claim, obs, tol, meaning), obs, own) for obs, own in rows]
    for verdict, _, own in judged:
        if verdict.verdict == "supported":
            verdict.strength = _strength(claim, meaning, own)
            return verdict
    verdict = judged[0][0]
    covered = {obs.date for _, obs, _ in judged}
    missing = [day for day, _ in days if day not in covered]
    if missing:
        return _unverifiable(
            claim,
            f"{verdict.reason}; the reference has no row for {', '.join(missing)}, "
            "the other day the figure may speak of",
        )
    if meaning.kind == "crossing":
        return _unverifiable(claim, f"{verdict.reason}: the text does not say the crossing was on that day")
    if meaning.kind == "unclear":
        return _unverifiable(
            claim, f"{verdict.reason}, but the text does not state it as a price traded that day"
        )
    if _implausible(claim, [o for _, o, _ in judged]):
        return _unverifiable(
            claim,
            f"{verdict.reason}: more than {IMPLAUSIBLE_FACTOR:g}x off every price of the "
            f"day, most likely a figure about something else than {claim.subject}",
        )
    verdict.strength = "moderate" if len(days) > 1 else _strength(claim, meaning, True)
    return verdict


def _strength(claim: Claim, meaning: Sense, own_day: bool) -> Strength:
    if not own_day or meaning.kind == "unclear":
        return "weak"
    if meaning.kind == "observed" and (
        dates.has_time(claim.as_of) or claim.qualifiers.get("session") == "close"
    ):
        return "strong"
    return "moderate"


def _implausible(claim: Claim, rows: list[Observation]) -> bool:
    """Whether the value is more than `IMPLAUSIBLE_FACTOR` away from every row's range and close."""
    if claim.value <= 0:
        return False
    for obs in rows:
        low = min(x for x in (obs.low, obs.value) if x is not None)
        high = max(x for x in (obs.high, obs.value) if x is not None)
        if low / IMPLAUSIBLE_FACTOR <= claim.value <= high * IMPLAUSIBLE_FACTOR:
            return False
    return True


def _stated(claim: Claim) -> str:
    return (
        show(claim.value, claim.unit) if not claim.hedge else f"{claim.hedge} {show(claim.value, claim.unit)}"
    )


def _unverifiable(claim: Claim, reason: str) -> Verdict:
    return Verdict(claim=claim, verdict="unverifiable", check="reference", reason=reason)


# what a hedge word makes of a figure: a floor ("above $100,000"), a ceiling ("nearly $2,000"),
# or a round number ("around $64,000", read with at least `ABOUT_TOLERANCE`)
AT_LEAST = lexicon("hedges_at_least")
AT_MOST = lexicon("hedges_at_most")
ABOUT = lexicon("hedges_about")
ABOUT_TOLERANCE = 0.02


def judge(claim: Claim, obs: Observation, tol: Tolerances, meaning: Sense | None = None) -> Verdict:
    """One claim against one row.

    A close ("closed at") is compared with the row's value (the close). A day's low or high,
    and any other price, is supported when it lies within the day's [low, high] widened by the
    tolerance, or failing that within the tolerance of the close. A row without a range is
    compared with its value. The reason names the day; the row itself (with its `source`) is
    `checked_against`. A hedged figure is read as the hedge says: "above $100,000" holds
    when the close (or, for an intraday figure, the day's high) reached it, "below" / "nearly"
    when the close (or the day's low) stayed under it, "around" with a tolerance of at least
    2 %. A figure the text states as a floor or ceiling or as a threshold crossed (`meaning`:
    "is trading above $2,680", "fell below $65,000") is read the same way, from its words.
    Contradicted otherwise, with the reference shown.
    """
    meaning = meaning or sense_of(claim)
    t = tol.of(claim.metric)
    if claim.hedge in ABOUT:
        t = max(t, ABOUT_TOLERANCE)
    unit = claim.unit
    where = f"on {obs.date}"
    ranged = obs.low is not None and obs.high is not None
    close_only = claim.qualifiers.get("session") == "close" or not ranged
    stated = show(claim.value, unit) if not claim.hedge else f"{claim.hedge} {show(claim.value, unit)}"
    value_name = "close" if ranged else "value"
    if meaning.kind in ("bound", "crossing") and meaning.direction:
        return _judge_bound(claim, obs, t, close_only, stated, where, meaning.direction > 0)
    if claim.hedge in AT_LEAST or claim.hedge in AT_MOST:
        return _judge_bound(claim, obs, t, close_only, stated, where, claim.hedge in AT_LEAST)
    if close_only:
        if _near(claim.value, obs.value, t, tol, claim):
            return _v(
                claim,
                "supported",
                f"{stated} agrees with the reference {value_name} {show(obs.value, unit)} {where}",
                obs,
                obs.value,
            )
        return _v(
            claim,
            "contradicted",
            f"{stated} against the reference {value_name} {show(obs.value, unit)} {where}",
            obs,
            obs.value,
        )
    assert obs.low is not None and obs.high is not None
    low, high = obs.low * (1 - t), obs.high * (1 + t)
    day_range = f"{show(obs.low, unit)} \u2013 {show(obs.high, unit)}"
    if low <= claim.value <= high:
        return _v(
            claim,
            "supported",
            f"{stated} is within the day's range {day_range} {where}",
            obs,
            (obs.low, obs.high),
        )
    if claim.metric == "price" and _near(claim.value, obs.value, t, tol, claim):
        return _v(
            claim,
            "supported",
            f"{stated} agrees with the close {show(obs.value, unit)} {where}",
            obs,
            obs.value,
        )
    side = "below the day's low" if claim.value < low else "above the day's high"
    return _v(
        claim,
        "contradicted",
        f"{stated} is {side}: the reference range is {day_range}, close {show(obs.value, unit)}, {where}",
        obs,
        (obs.low, obs.high),
    )


def _judge_bound(
    claim: Claim, obs: Observation, t: float, close_only: bool, stated: str, where: str, at_least: bool
) -> Verdict:
    """A figure given as a floor or a ceiling against the close, or against the day's high / low."""
    reached: float | None
    if close_only:
        name, reached = ("close" if obs.low is not None else "value"), obs.value
    else:
        name, reached = ("high", obs.high) if at_least else ("low", obs.low)
    assert reached is not None
    holds = reached >= claim.value * (1 - t) if at_least else reached <= claim.value * (1 + t)
    shown = f"the reference {name} is {show(reached, claim.unit)} {where}"
    if holds:
        return _v(claim, "supported", f"{stated}: {shown}", obs, reached)
    return _v(claim, "contradicted", f"{stated}, but {shown}", obs, reached)


def _near(value: float, reference: float, t: float, tol: Tolerances, claim: Claim) -> bool:
    return abs(value - reference) <= max(
        t * max(abs(value), abs(reference)), tol.allowance(claim.metric, claim.unit, value, reference)
    )


def _v(
    claim: Claim, verdict: VerdictKind, reason: str, obs: Observation, expected: float | tuple[float, float]
) -> Verdict:
    return Verdict(
        claim=claim,
        verdict=verdict,
        check="reference",
        reason=reason,
        checked_against=obs,
        expected=expected,
        strength="moderate",
    )
