"""Reports a partner can send back to the provider: one row per case, failures in full."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from .results import Outcome, Result
from .target import Exchange

BODY_LIMIT = 4000


@dataclass(frozen=True)
class Wording:
    """What a report is of (its heading) and what it calls each outcome, as a mark and counted."""

    title: str = "Contract verification"
    marks: Mapping[Outcome, str] = field(
        default_factory=lambda: {"pass": "pass", "fail": "FAIL", "n/a": "n/a"}
    )
    counted: Mapping[Outcome, str] = field(
        default_factory=lambda: {"pass": "passed", "fail": "failed", "n/a": "not applicable"}
    )
    #: What a failure's reason is called, and the heading of the failures in full.
    reason: str = "Deviation"
    failures: str = "Failures"


VERIFY = Wording()
#: `provider-mocks drift`: an answer the same as recorded, or not.
DRIFT = Wording(
    "Drift from the recording",
    {"pass": "same", "fail": "DRIFT", "n/a": "n/a"},
    {"pass": "the same", "fail": "drifted", "n/a": "not applicable"},
    "Difference",
    "Drifted",
)


def summary(results: Sequence[Result], wording: Wording = VERIFY) -> str:
    counts = Counter(r.outcome for r in results)
    return ", ".join(f"{counts[outcome]} {words}" for outcome, words in wording.counted.items())


def _text(body: bytes) -> str:
    text = body[:BODY_LIMIT].decode("utf-8", "replace")
    return text + " …" if len(body) > BODY_LIMIT else text


def exchange_text(exchange: Exchange) -> str:
    """A request and its answer as plain HTTP-like text."""
    lines = [f"{exchange.method} {exchange.url}"]
    lines += [f"{k}: {v}" for k, v in exchange.request_headers.items()]
    if exchange.request_body:
        lines += ["", exchange.request_body[:BODY_LIMIT]]
    lines += ["", f"HTTP {exchange.status}"]
    lines += [f"{k}: {v}" for k, v in exchange.headers.items()]
    lines += ["", _text(exchange.body)]
    return "\n".join(lines)


def markdown(provider: str, target: str, results: Sequence[Result], wording: Wording = VERIFY) -> str:
    out = [
        f"# {wording.title}: {provider}",
        "",
        f"Target: {target}",
        "",
        f"Result: {summary(results, wording)}",
        "",
        "| outcome | case | rule | source | reason |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        cells = [wording.marks[r.outcome], f"`{r.id}` {r.title}", r.rule, r.source, r.reason]
        out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    failed = [r for r in results if r.outcome == "fail"]
    if failed:
        out += ["", f"## {wording.failures}"]
    for r in failed:
        out += [
            "",
            f"### `{r.id}` {r.title}",
            "",
            f"Rule ({r.source}): {r.rule}",
            "",
            f"{wording.reason}: {r.reason}",
        ]
        for exchange in r.exchanges:
            out += ["", "```http", exchange_text(exchange), "```"]
    return "\n".join(out) + "\n"


def html_report(provider: str, target: str, results: Sequence[Result], wording: Wording = VERIFY) -> str:
    e = html.escape
    title = wording.title
    rows = "\n".join(
        f'<tr class="{"na" if r.outcome == "n/a" else r.outcome}"><td>{e(wording.marks[r.outcome])}</td>'
        f"<td><code>{e(r.id)}</code><br>{e(r.title)}</td><td>{e(r.rule)}</td><td>{e(r.source)}</td>"
        f"<td>{e(r.reason)}</td></tr>"
        for r in results
    )
    details = "\n".join(
        f'<section id="{e(r.id)}"><h3><code>{e(r.id)}</code> {e(r.title)}</h3>'
        f"<p>Rule ({e(r.source)}): {e(r.rule)}</p><p>{e(wording.reason)}: {e(r.reason)}</p>"
        + "".join(f"<pre>{e(exchange_text(x))}</pre>" for x in r.exchanges)
        + "</section>"
        for r in results
        if r.outcome == "fail"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}: {e(provider)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .3rem .5rem; vertical-align: top; text-align: left; }}
tr.fail td:first-child {{ background: #f8d7da; font-weight: bold; }}
tr.pass td:first-child {{ background: #d4edda; }}
tr.na td:first-child {{ background: #eee; }}
pre {{ background: #f6f6f6; padding: .5rem; white-space: pre-wrap; }}
</style></head><body>
<h1>{e(title)}: {e(provider)}</h1>
<p>Target: {e(target)}</p><p>Result: {e(summary(results, wording))}</p>
<table><tr><th>outcome</th><th>case</th><th>rule</th><th>source</th><th>reason</th></tr>
{rows}
</table>
{f"<h2>{e(wording.failures)}</h2>" if details else ""}
{details}
</body></html>
"""


def junit_xml(provider: str, results: Sequence[Result]) -> str:
    counts = Counter(r.outcome for r in results)
    suite = ET.Element(
        "testsuite",
        name=f"contracts.{provider}",
        tests=str(len(results)),
        failures=str(counts["fail"]),
        skipped=str(counts["n/a"]),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for r in results:
        case = ET.SubElement(
            suite, "testcase", classname=f"contracts.{provider}", name=r.id, time=f"{r.seconds:.3f}"
        )
        if r.outcome == "fail":
            failure = ET.SubElement(case, "failure", message=r.reason)
            failure.text = f"Rule ({r.source}): {r.rule}\n\n" + "\n\n".join(
                exchange_text(x) for x in r.exchanges
            )
        elif r.outcome == "n/a":
            ET.SubElement(case, "skipped", message=r.reason)
    return str(ET.tostring(suite, encoding="unicode", xml_declaration=True))


def write(
    path: str | Path, provider: str, target: str, results: Sequence[Result], wording: Wording = VERIFY
) -> None:
    """A report by the file's suffix: .md or .html."""
    suffix = Path(path).suffix.lower()
    if suffix == ".md":
        text = markdown(provider, target, results, wording)
    elif suffix in (".html", ".htm"):
        text = html_report(provider, target, results, wording)
    else:
        raise ValueError(f"report {path}: give a .md or .html file")
    Path(path).write_text(text, encoding="utf-8")
