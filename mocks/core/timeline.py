"""The timeline: each token's life on the virtual clock, one row per credential.

Debugging a token client means finding, among hundreds of journal entries, when a token was
fetched, when another fetch overwrote it, which call still used the old one and when a limit
ran out. The timeline draws it: each token a bar from issue to expiry, cut where a fetch
overwrote it or its credential was found suspended; a renewal joined to the token it renewed;
each fetch, renewal, call, refusal, limit hit, injected fault and audit finding a marker on
its row; each provider's renewal window (`ProviderModel.renewal_window`) shaded.

The picture's model is computed here, once, from the facts the providers' models note (see
`core.checks`) and the audit's findings, and served as JSON: the dashboard draws it with
`timeline.js`, and `provider-mocks audit --report` writes the same JSON and the same script
into its page, so the two cannot draw it differently.

What it costs is bounded by the journal's bounds, and what it draws is bounded whatever the
journal holds. Each entry is digested once, and its digest kept while the journal keeps the
entry; the passes over the journal go at the pace the providers' requests allow
(`Auditor.paced`). What is drawn is windowed and aggregated: at most MAX_ROWS rows (the latest active),
markers of one kind merged within each BUCKETS-th of the axis, tokens too short to see merged
into runs, at most MAX_BARS bars and MAX_MARKERS markers (the findings first, then the
newest), and what was left off counted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .checks import Violation, facts
from .journal import Entries, Entry, request_line
from .provider import RenewalWindow

#: The script that draws the model, in the dashboard and in the audit's report.
SCRIPT = Path(__file__).with_name("timeline.js")

MAX_ROWS = 40
#: Tokens of one credential that live at once are drawn one under the other, in this many lanes.
MAX_LANES = 4
MAX_BARS = 600
MAX_MARKERS = 1500
#: Markers of one kind on one lane within a BUCKETS-th of the axis are one marker.
BUCKETS = 600
#: The shortest axis shown (seconds): a run on a frozen clock happens in one instant.
MIN_SPAN = 60.0
#: The part of the axis shown past now, where live tokens run on.
AHEAD = 0.04
#: The characters of a request or an answer a hover shows, and the findings of one marker.
TEXT = 240
FINDINGS = 5

Item = TypeVar("Item")

#: Marker kinds, the most telling first: they are kept first when there are too many.
KINDS = ("violation", "fault", "limit", "refusal", "renew", "fetch", "call")


class Paced(Protocol):
    """Hands `items` over at the pace the providers' requests allow (`Auditor.paced`)."""

    def __call__(self, items: Iterable[Item], /) -> Iterable[Item]: ...


def at_once(items: Iterable[Item], /) -> Iterable[Item]:
    """No pace: nothing else is served meanwhile."""
    return items


def script() -> str:
    return SCRIPT.read_text(encoding="utf-8")


def _instant(t: float) -> float:
    """A moment on the virtual clock as the model gives it: to the millisecond."""
    return round(t, 3)


def _cut(text: str) -> str:
    return text if len(text) <= TEXT else text[: TEXT - 1] + "…"


@dataclass(frozen=True, slots=True)
class Digest:
    """What the timeline needs of one journal entry."""

    id: int
    at: float
    provider: str
    #: "" when the request named none.
    credential: str
    kind: str
    token: str | None
    #: It answered `token`, a new one or the held one again.
    issued: bool
    expires: float | None
    #: Tokens answered beside `token`, expiring with it.
    issued_with: tuple[str, ...]
    overwrites: str | None
    renews: str | None
    suspended: bool
    request: str
    answer: str


def _kind(entry: Entry, f: Mapping[str, Any], issued: bool) -> str:
    """The marker an entry is: what tells most about it."""
    if entry.get("fault"):
        return "fault"
    if f.get("backoff"):
        return "limit"
    kind = f.get("kind")
    if kind in ("fetch", "renew"):
        return kind if issued else "refusal"
    if kind == "call" and f.get("token_state") != "valid":
        return "refusal"
    return "refusal" if entry["status"] >= 400 else "call"


def digest(entry: Entry) -> Digest | None:
    """The entry as the timeline draws it; None for a request no provider answered."""
    provider = entry.get("provider")
    if provider is None:
        return None
    f = facts(entry)
    issued = "token" in f and (f.get("kind") == "fetch" or "renews" in f)
    body = entry.get("body") or ""
    return Digest(
        id=entry["id"],
        at=_instant(datetime.fromisoformat(entry["time"]).timestamp()),
        provider=provider,
        credential=str(f.get("credential") or f.get("presented") or ""),
        kind=_kind(entry, f, issued),
        token=f.get("token"),
        issued=issued,
        expires=None if f.get("expires") is None else _instant(f["expires"]),
        issued_with=tuple(f.get("issued_with") or ()) if issued else (),
        overwrites=f.get("overwrites"),
        renews=f.get("renews"),
        suspended=f.get("token_state") == "suspended",
        request=_cut(request_line(entry) + ("\n" + body if body else "")),
        answer=_cut(f"{entry['status']} {entry.get('response') or ''}"),
    )


Row = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Cut:
    at: float
    entry: int
    #: "overwritten" or "suspended".
    reason: str


@dataclass(eq=False, slots=True)
class Bar:
    """A token: from the fetch that issued it to its expiry or its cut; `count` > 1 is a run
    of tokens too short to see, drawn as one (its last token's)."""

    row: Row
    token: str
    start: float
    expires: float | None
    issued_by: Digest
    renews: Bar | None = None
    cut: Cut | None = None
    #: Where it is drawn to (None: on past the axis).
    end: float | None = None
    lane: int = 0
    count: int = 1


def _tokens(digests: Iterable[Digest]) -> dict[str, Bar]:
    """Every token the digests issued, with its cut and the token it renews. A token answered
    beside another (`issued_with`) is one once a request presents it: a login's tokens for
    regions the client never calls are left out."""
    bars: dict[str, Bar] = {}
    beside: dict[str, Digest] = {}
    for d in digests:
        for presented in (d.token, d.renews):
            if presented is not None and (login := beside.pop(presented, None)) is not None:
                row = (login.provider, login.credential)
                bars[presented] = Bar(row, presented, login.at, login.expires, login)
        beside.update(dict.fromkeys(d.issued_with, d))
        if d.issued and d.token is not None:
            bar = bars.get(d.token)
            if bar is None:
                renewed = bars.get(d.renews) if d.renews is not None else None
                bar = bars[d.token] = Bar((d.provider, d.credential), d.token, d.at, d.expires, d, renewed)
            elif d.expires is not None:  # the same token again, maybe renewed where it stands
                bar.expires = max(bar.expires or d.expires, d.expires)
            old = bars.get(d.overwrites) if d.overwrites is not None else None
            if old is not None and old is not bar and old.cut is None:
                old.cut = Cut(d.at, d.id, "overwritten")
        elif d.suspended and d.token is not None and (held := bars.get(d.token)) and held.cut is None:
            held.cut = Cut(d.at, d.id, "suspended")
    return bars


def _end(bar: Bar, window: RenewalWindow | None) -> float | None:
    """Where a token stops working: its expiry, or its cut (an overwritten token's overlap past it)."""
    ends = [] if bar.expires is None else [bar.expires]
    if bar.cut is not None:
        overlap = window is not None and window.anchor == "overwrite" and bar.cut.reason == "overwritten"
        ends.append(bar.cut.at + (window.end if overlap and window else 0.0))
    return min(ends) if ends else None


def _shaded(bar: Bar, window: RenewalWindow) -> tuple[float, float] | None:
    """The stretch of the provider's window on this token, if it has one."""
    if window.anchor == "expiry" and bar.expires is not None and bar.cut is None:
        return bar.expires + window.start, bar.expires + window.end
    if window.anchor == "overwrite" and bar.cut is not None and bar.cut.reason == "overwritten":
        return bar.cut.at + window.start, bar.cut.at + window.end
    return None


def _lanes(bars: Sequence[Bar], far: float) -> int:
    """Give each of one row's bars (by start) a lane free when it starts, or the one freed first."""
    ends: list[float] = []
    for bar in bars:
        end = far if bar.end is None else bar.end
        free = next((i for i, e in enumerate(ends) if e <= bar.start), None)
        if free is None and len(ends) < MAX_LANES:
            free = len(ends)
            ends.append(end)
        elif free is None:
            free = min(range(len(ends)), key=ends.__getitem__)
        bar.lane = free
        ends[free] = max(ends[free], end)
    return max(len(ends), 1)


def _runs(bars: Sequence[Bar], bucket: float) -> list[Bar]:
    """One row's bars (by start), those shorter than a `bucket` that follow each other on a lane
    merged into runs: a client fetching for every call leaves thousands."""
    merged: list[Bar] = []
    runs: dict[int, Bar] = {}  # each lane's last bar or run, while it is short
    for bar in bars:
        run = runs.pop(bar.lane, None)
        if bar.end is None or bar.end - bar.start >= bucket:
            merged.append(bar)
        elif run is not None and run.end is not None and bar.start - run.end < bucket:
            run.count += 1
            run.token, run.expires, run.issued_by = bar.token, bar.expires, bar.issued_by
            run.end, run.cut = bar.end, bar.cut
            runs[bar.lane] = run
        else:
            merged.append(bar)
            runs[bar.lane] = bar
    return merged


@dataclass(slots=True)
class Marker:
    row: int
    lane: int
    kind: str
    first: Digest
    count: int = 1
    #: A finding's severity, and the findings merged into it (rule: message).
    severity: str | None = None
    findings: list[str] = field(default_factory=list)


def _axis(digests: Sequence[Digest], now: float, span: float | None) -> tuple[float, float]:
    """Where the axis starts and ends: `span` before now (or the latest request), else at the
    oldest request; a little past now."""
    end = max(now, digests[-1].at if digests else now)
    start = end - span if span else min((d.at for d in digests), default=end)
    start = min(start, end - MIN_SPAN)
    return _instant(start), _instant(end + (end - start) * AHEAD)


def build(
    digests: Sequence[Digest],
    violations: Iterable[Violation],
    windows: Mapping[str, RenewalWindow | None],
    now: float,
    span: float | None = None,
    paced: Paced = at_once,
) -> dict[str, Any]:
    """The picture of `digests` (oldest first) and the audit's findings, on the axis from `span`
    seconds before now (default: the oldest request) to now, as the JSON `timeline.js` draws;
    its passes over the journal go at the pace `paced` gives."""
    now = _instant(now)
    start, far = _axis(digests, now, span)
    bucket = (far - start) / BUCKETS
    tokens = _tokens(paced(digests))
    by_row: dict[Row, list[Bar]] = {}
    for bar in tokens.values():
        bar.end = _end(bar, windows.get(bar.row[0]))
        if (bar.end is None or bar.end >= start) and bar.start <= far:
            by_row.setdefault(bar.row, []).append(bar)
    for own in by_row.values():  # a login's other tokens come when presented: by start
        own.sort(key=lambda b: b.start)
    seen = [d for d in digests if d.at >= start]

    active: dict[Row, tuple[float, float]] = {}  # each row's first and last moment on the axis
    moments = [(max(own[0].start, start), row) for row, own in by_row.items()]
    for at, row in moments + [(d.at, (d.provider, d.credential)) for d in seen]:
        first, latest = active.get(row, (at, at))
        active[row] = (min(first, at), max(latest, at))
    kept = sorted(active, key=lambda r: active[r][1], reverse=True)[:MAX_ROWS]
    rows = sorted(kept, key=lambda r: active[r][0])
    index = {row: i for i, row in enumerate(rows)}

    lanes = [_lanes(by_row.get(row, []), far) for row in rows]
    lane_of = {bar.token: bar.lane for own in by_row.values() for bar in own}
    bars = sorted((bar for row in rows for bar in _runs(by_row.get(row, []), bucket)), key=lambda b: b.start)
    bars_left = max(0, len(bars) - MAX_BARS)
    bars = bars[bars_left:]
    at_bar = {id(bar): i for i, bar in enumerate(bars)}

    merged: dict[tuple[int, int, str, int], Marker] = {}

    def mark(d: Digest, kind: str) -> Marker | None:
        row = index.get((d.provider, d.credential))
        if row is None:
            return None
        lane = lane_of.get(d.token, 0) if d.token is not None else 0
        key = (row, lane, kind, int((d.at - start) / bucket))
        found = merged.get(key)
        if found is None:
            found = merged[key] = Marker(row, lane, kind, d, 0)
        found.count += 1
        return found

    for d in paced(seen):
        mark(d, d.kind)
    by_id = {d.id: d for d in seen}
    for v in paced(violations):
        about = by_id.get(v.requests[-1])  # the request the rule was broken at
        if about is not None and (marker := mark(about, "violation")) is not None:
            if marker.severity != "error":
                marker.severity = v.severity
            if len(marker.findings) < FINDINGS:
                marker.findings.append(f"[{v.severity}] {v.rule}: {v.message}")
    markers = sorted(merged.values(), key=lambda m: (KINDS.index(m.kind), -m.first.at))
    markers_left = max(0, len(markers) - MAX_MARKERS)
    markers = sorted(markers[:MAX_MARKERS], key=lambda m: m.first.at)

    shades = []
    for i, bar in enumerate(bars):
        window = windows.get(bar.row[0])
        if window is None or bar.count > 1 or (stretch := _shaded(bar, window)) is None:
            continue
        if stretch[1] >= start and stretch[0] <= far:
            shades.append({"bar": i, "start": stretch[0], "end": stretch[1], "label": window.label})

    return {
        "start": start,
        "end": far,
        "now": now,
        "rows": [
            {"provider": provider, "credential": credential, "lanes": lanes[i]}
            for i, (provider, credential) in enumerate(rows)
        ],
        "bars": [_bar(bar, index[bar.row], at_bar) for bar in bars],
        "windows": shades,
        "markers": [_marker(m) for m in markers],
        "left_off": {"rows": len(active) - len(rows), "bars": bars_left, "markers": markers_left},
    }


def _bar(bar: Bar, row: int, at_bar: Mapping[int, int]) -> dict[str, Any]:
    issued = bar.issued_by
    cut = bar.cut
    return {
        "row": row,
        "lane": bar.lane,
        "token": bar.token,
        "count": bar.count,
        "start": bar.start,
        "end": bar.end,
        "expires": bar.expires,
        "entry": issued.id,
        "request": issued.request,
        "answer": issued.answer,
        "cut": None if cut is None else {"at": cut.at, "entry": cut.entry, "reason": cut.reason},
        "renews": None if bar.renews is None else at_bar.get(id(bar.renews)),
    }


def _marker(marker: Marker) -> dict[str, Any]:
    first = marker.first
    found = {
        "row": marker.row,
        "lane": marker.lane,
        "kind": marker.kind,
        "at": first.at,
        "entry": first.id,
        "count": marker.count,
        "request": first.request,
        "answer": first.answer,
    }
    if marker.kind == "violation":
        found |= {"severity": marker.severity, "findings": marker.findings}
    return found


class Timeline:
    """One app's timeline: each journal entry digested once, the picture built when asked.

    `paced` spreads the digesting out while the providers are busy (`Auditor.paced`).
    """

    def __init__(self, paced: Paced = at_once) -> None:
        self._paced = paced
        self._lock = threading.Lock()
        #: By journal id, oldest first (None: an entry no provider answered).
        self._digests: dict[int, Digest | None] = {}
        #: The last entry digested: its id, and when it was received (to tell a journal that started over).
        self._last: tuple[int, Any] = (0, None)

    def digests(self, entries: Entries) -> list[Digest]:
        """The digests of the journal's `entries`, those not digested before digested now."""
        with self._lock:
            kept, last_id = self._digests, self._last[0]
            if len(entries) and last_id:
                held = entries.find(last_id)
                if (held is None and entries.id_at(0) <= last_id) or (
                    held is not None and held.get("received") != self._last[1]
                ):  # the journal started over (a store that lost it): digest it afresh
                    kept.clear()
                    self._last, last_id = (0, None), 0
            oldest = entries.id_at(0) if len(entries) else last_id + 1
            while kept and (first := next(iter(kept))) < oldest:
                del kept[first]
            for i in self._paced(range(entries.position(last_id + 1), len(entries))):
                entry = entries[i]
                kept[entry["id"]] = digest(entry)
                self._last = (entry["id"], entry.get("received"))
            return [d for d in kept.values() if d is not None]
