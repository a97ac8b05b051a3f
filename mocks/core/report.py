"""The audit's report of a client run (`provider-mocks audit --report FILE.html`): one
self-contained HTML page to keep as a CI artifact.

It shows what the dashboard's timeline shows, drawn by the same script from the same model
(`core.timeline`), then the findings and the journal entries the picture names: a click on a
bar or a marker opens its entry. Nothing in it is loaded from anywhere.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .checks import Violation
from .journal import Entry, request_line
from .timeline import script

#: The characters of a body or an answer an entry shows.
BODY = 2000


def _named(model: Mapping[str, Any], violations: Iterable[Violation]) -> set[int]:
    """The journal ids the picture and the findings name."""
    named = {bar["entry"] for bar in model["bars"]} | {marker["entry"] for marker in model["markers"]}
    named |= {bar["cut"]["entry"] for bar in model["bars"] if bar["cut"]}
    return named | {i for v in violations for i in v.requests}


def _entry(entry: Entry) -> str:
    e = html.escape
    shown = {
        **entry,
        "body": entry.get("body", "")[:BODY],
        "response": entry.get("response", "")[:BODY],
    }
    summary = f"{e(entry.get('provider') or '-')} <code>{e(request_line(entry))}</code> → {entry['status']}"
    return (
        f'<details id="entry-{entry["id"]}"><summary>#{entry["id"]} {e(entry["time"])} {summary}</summary>'
        f"<pre>{e(json.dumps(shown, ensure_ascii=False, indent=2))}</pre></details>"
    )


def _finding(v: Violation) -> str:
    e = html.escape
    links = " ".join(f'<a href="#entry-{i}">#{i}</a>' for i in v.requests)
    return (
        f'<tr class="{e(v.severity)}"><td>{e(v.severity)}</td><td>{e(v.rule)}</td><td>{e(v.provider)}</td>'
        f"<td>{e(v.credential or '')}</td><td>{e(v.message)}</td><td>{links}</td></tr>"
    )


def page(
    where: str, model: Mapping[str, Any], violations: Sequence[Violation], entries: Sequence[Entry]
) -> str:
    """The report of the mock at `where`: its timeline's `model`, the audit's `violations`, and
    the journal's `entries` that either names."""
    e = html.escape
    named = _named(model, violations)
    errors = sum(v.severity == "error" for v in violations)
    # The model goes in as JSON that no "</script>" inside a token or a body can end early.
    data = json.dumps(model, ensure_ascii=False).replace("<", "\\u003c")
    rows = "\n".join(_finding(v) for v in violations) or '<tr><td colspan="6">none</td></tr>'
    kept = "\n".join(_entry(entry) for entry in entries if entry["id"] in named)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Audit: {e(where)}</title>
<style>
  body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; }}
  table {{ border-collapse: collapse; width: 100%; }}
  th, td {{ text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #eceef2; vertical-align: top; }}
  tr.error td:first-child {{ color: #e5484d; font-weight: bold; }}
  tr.warning td:first-child {{ color: #f08c00; }}
  details {{ border-bottom: 1px solid #eceef2; padding: .2rem 0; }}
  details.opened {{ background: #eef3fd; }}
  pre {{ font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }}
</style></head>
<body>
<h1>Audit of the clients of {e(where)}</h1>
<p>{len(violations)} finding(s), {errors} error(s). Hover over a bar or a marker for its request
and answer; click it for the journal entry.</p>
<div id="timeline"></div>
<h2>Findings</h2>
<table><thead><tr><th>severity</th><th>rule</th><th>provider</th><th>credential</th>
<th>what the client did</th><th>requests</th></tr></thead><tbody>
{rows}
</tbody></table>
<h2>Journal entries</h2>
{kept or "<p>none</p>"}
<script type="application/json" id="timeline-model">{data}</script>
<script>
{script()}</script>
<script>
"use strict";
const model = JSON.parse(document.getElementById("timeline-model").textContent);
function openEntry(id) {{
  const entry = document.getElementById(`entry-${{id}}`);
  if (!entry) return;
  document.querySelectorAll("details.opened").forEach((d) => d.classList.remove("opened"));
  entry.open = true;
  entry.classList.add("opened");
  entry.scrollIntoView();
}}
const draw = () => Timeline.draw(document.getElementById("timeline"), model, {{open: openEntry}});
draw();
addEventListener("resize", draw);
</script>
</body></html>
"""
