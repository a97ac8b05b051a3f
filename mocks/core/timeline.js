"use strict";
// The timeline's model (mocks/core/timeline.py, GET /__admin/timeline) drawn as SVG: the
// dashboard and the audit's HTML report both embed this script, so both draw it alike.
// Every text goes in as text (textContent, attributes), never as markup.
const Timeline = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const GUTTER = 230, RIGHT = 14, AXIS = 28, LANE = 18, GAP = 8, BAR = 10;
  const KINDS = {
    violation: "audit finding", fault: "injected fault", limit: "limit hit", refusal: "refusal",
    renew: "renewal", fetch: "fetch", call: "call",
  };
  const STYLE = `
    .timeline { display: block; font: 12px system-ui, sans-serif; }
    .timeline .row { fill: #fff; } .timeline .row.alt { fill: #f5f6f8; }
    .timeline .row-label { fill: #1d2330; }
    .timeline .tick { stroke: #e3e5ea; } .timeline .tick-label { fill: #6b7280; font-size: 11px; }
    .timeline .window { fill: #f5a524; fill-opacity: .25; }
    .timeline .bar { fill: #5b8def; cursor: pointer; } .timeline .bar.run { fill: #a5bff5; }
    .timeline .bar.overlap { fill-opacity: .35; }
    .timeline .cut { stroke: #1d2330; stroke-width: 2.5; cursor: pointer; }
    .timeline .cut.suspended { stroke: #8a3ffc; }
    .timeline .join { stroke: #5b8def; stroke-width: 1.5; stroke-dasharray: 2 2; fill: none; }
    .timeline .marker { cursor: pointer; stroke: #fff; stroke-width: .8; }
    .timeline .fetch { fill: #2f9e44; } .timeline .renew { fill: #0c8599; }
    .timeline .call { fill: #495057; stroke: none; }
    .timeline .refusal { stroke: #e8590c; stroke-width: 2.2; fill: none; }
    .timeline .limit { fill: #ae3ec9; } .timeline .fault { fill: #f5a524; stroke: #1d2330; }
    .timeline .violation { fill: #e5484d; } .timeline .violation.warning { fill: #f08c00; }
    .timeline .now { stroke: #e5484d; stroke-dasharray: 4 3; }
    .timeline .row, .timeline .tick, .timeline .join, .timeline .now { pointer-events: none; }
    .timeline .now-label { fill: #e5484d; font-size: 11px; }
    .timeline-tip { position: absolute; z-index: 10; max-width: 400px; white-space: pre-wrap;
      word-break: break-all; background: #1d2330; color: #fff; padding: .4rem .55rem;
      font: 12px/1.35 ui-monospace, monospace; border-radius: 4px; pointer-events: none; }
    .timeline-note { color: #6b7280; margin: .3rem 0 0; }
    .timeline-legend { margin: 0 0 .3rem; color: #1d2330; }
    .timeline-legend span { margin-right: .8rem; white-space: nowrap; }`;
  // What each mark is, above the picture.
  const LEGEND = [["#5b8def", "▬", "token, issue to expiry"], ["#1d2330", "┃", "cut: overwritten"],
                  ["#8a3ffc", "┃", "cut: suspended"], ["#f5a524", "▒", "renewal window"],
                  ["#2f9e44", "▲", "fetch"], ["#0c8599", "◆", "renewal"], ["#495057", "•", "call"],
                  ["#e8590c", "✕", "refusal"], ["#ae3ec9", "■", "limit hit"], ["#f5a524", "⚡", "injected fault"],
                  ["#e5484d", "●", "audit finding: error"], ["#f08c00", "●", "warning"]];
  const STEPS = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
                 172800, 604800, 2592000];

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  // A virtual instant as the clock shows it (UTC).
  function when(t) {
    return new Date(t * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  function tickLabel(t, step, long) {
    const text = new Date(t * 1000).toISOString();
    if (step >= 86400) return text.slice(5, 10);
    const time = step < 60 ? text.slice(11, 19) : text.slice(11, 16);
    return long ? `${text.slice(5, 10)} ${time}` : time;
  }

  function shape(kind, x, y, severity) {
    const s = 5;
    const attrs = {class: `marker ${kind}${severity ? " " + severity : ""}`};
    if (kind === "call") return el("circle", {...attrs, cx: x, cy: y, r: 2.2});
    if (kind === "violation") return el("circle", {...attrs, cx: x, cy: y - LANE / 2 + 3, r: 4.5});
    if (kind === "limit") return el("rect", {...attrs, x: x - 4, y: y - 4, width: 8, height: 8});
    const d = {
      fetch: `M${x},${y - s}L${x + s},${y + s}L${x - s},${y + s}Z`,
      renew: `M${x},${y - s - 1}L${x + s},${y}L${x},${y + s + 1}L${x - s},${y}Z`,
      refusal: `M${x - s},${y - s}L${x + s},${y + s}M${x + s},${y - s}L${x - s},${y + s}`,
      fault: `M${x + 1},${y - s - 2}L${x - 4},${y + 1}L${x},${y + 1}L${x - 1},${y + s + 2}L${x + 4},${y - 1}L${x},${y - 1}Z`,
    }[kind];
    return el("path", {...attrs, d});
  }

  function describeBar(bar, model) {
    const lines = [bar.count > 1 ? `${bar.count} tokens, each too short to see; the last: ${bar.token}`
                                 : `token ${bar.token}`];
    lines.push(`issued ${when(bar.start)} by request #${bar.entry}`);
    lines.push(bar.expires == null ? "no expiry noted" : `expires ${when(bar.expires)}`);
    if (bar.cut) {
      lines.push(bar.cut.reason === "overwritten"
        ? `cut ${when(bar.cut.at)}: overwritten by request #${bar.cut.entry}`
        : `cut ${when(bar.cut.at)}: found suspended by request #${bar.cut.entry}`);
    }
    if (bar.renews != null) lines.push(`renews token ${model.bars[bar.renews].token}`);
    lines.push("", bar.request, `→ ${bar.answer}`);
    return lines.join("\n");
  }

  function describeMarker(marker) {
    const more = marker.count > 1 ? ` (and ${marker.count - 1} more here)` : "";
    const lines = [`${KINDS[marker.kind]}: request #${marker.entry}${more}, ${when(marker.at)}`];
    for (const finding of marker.findings || []) lines.push(finding);
    lines.push("", marker.request, `→ ${marker.answer}`);
    return lines.join("\n");
  }

  // Draw `model` into `container` (emptied first); `options.open(id)` is called with the journal
  // id of a clicked bar or marker.
  function draw(container, model, options = {}) {
    if (!document.getElementById("timeline-style")) {
      const style = document.createElement("style");
      style.id = "timeline-style";
      style.textContent = STYLE;
      document.head.appendChild(style);
    }
    container.style.position = "relative";
    const width = Math.max(640, options.width || container.clientWidth || 1200);
    const span = model.end - model.start;
    const x = (t) => GUTTER + (Math.min(Math.max(t, model.start), model.end) - model.start) / span * (width - GUTTER - RIGHT);
    const tops = [];
    let height = AXIS;
    for (const row of model.rows) {
      tops.push(height);
      height += row.lanes * LANE + GAP;
    }
    const y = (row, lane) => tops[row] + lane * LANE + LANE / 2;
    const svg = el("svg", {class: "timeline", width, height: height + 4, viewBox: `0 0 ${width} ${height + 4}`,
                           "data-start": model.start, "data-end": model.end, "data-now": model.now});
    const hover = [];
    const item = (node, text, entry) => {
      node.setAttribute("data-i", hover.push(text) - 1);
      if (entry != null) node.setAttribute("data-entry", entry);
      return node;
    };

    model.rows.forEach((row, i) => {
      el("rect", {class: i % 2 ? "row alt" : "row", x: 0, y: tops[i] - GAP / 2, width,
                  height: row.lanes * LANE + GAP}, svg);
      const name = el("text", {class: "row-label", x: 6, y: tops[i] + LANE / 2 + 4}, svg);
      const who = `${row.provider} · ${row.credential || "(no credential)"}`;
      name.textContent = who.length > 34 ? who.slice(0, 33) + "…" : who;
      el("title", {}, name).textContent = who;
    });

    // The axis: ticks at a round step, about one per 110 px.
    const step = STEPS.find((s) => span / s <= (width - GUTTER) / 110) || STEPS[STEPS.length - 1];
    const long = span > 86400 && step < 86400;
    for (let t = Math.ceil(model.start / step) * step; t <= model.end; t += step) {
      el("line", {class: "tick", x1: x(t), x2: x(t), y1: AXIS - 6, y2: height}, svg);
      if (x(t) > x(model.now) - 110 && x(t) < x(model.now) + 45) continue;  // where "now" is written
      const label = el("text", {class: "tick-label", x: x(t), y: AXIS - 10, "text-anchor": "middle"}, svg);
      label.textContent = tickLabel(t, step, long);
    }

    for (const shade of model.windows) {
      const bar = model.bars[shade.bar];
      const top = y(bar.row, bar.lane) - LANE / 2;
      const left = x(shade.start);
      item(el("rect", {class: "window", x: left, y: top, width: Math.max(1, x(shade.end) - left), height: LANE}, svg),
           `${shade.label}\n${when(shade.start)} to ${when(shade.end)}`);
    }

    model.bars.forEach((bar) => {
      const middle = y(bar.row, bar.lane);
      const left = x(bar.start);
      const end = bar.end == null ? model.end : bar.end;
      const solid = bar.cut ? Math.min(bar.cut.at, end) : end;
      const text = describeBar(bar, model);
      const drawn = el("rect", {class: bar.count > 1 ? "bar run" : "bar", x: left, y: middle - BAR / 2, rx: 2,
                                width: Math.max(2, x(solid) - left), height: BAR,
                                "data-token": bar.token, "data-cut": bar.cut ? bar.cut.reason : ""}, svg);
      item(drawn, text, bar.entry);
      if (bar.cut && end > bar.cut.at) {  // overwritten, and working on for a while
        item(el("rect", {class: "bar overlap", x: x(bar.cut.at), y: middle - BAR / 2, height: BAR,
                         width: Math.max(1, x(end) - x(bar.cut.at))}, svg), text, bar.entry);
      }
      if (bar.cut) {
        item(el("line", {class: `cut ${bar.cut.reason}`, x1: x(bar.cut.at), x2: x(bar.cut.at),
                         y1: middle - BAR, y2: middle + BAR, "data-token": bar.token}, svg), text, bar.cut.entry);
      }
      if (bar.renews != null) {
        const from = model.bars[bar.renews];
        el("path", {class: "join", d: `M${left},${y(from.row, from.lane)}L${left},${middle}`}, svg);
      }
    });

    for (const marker of model.markers) {
      const node = shape(marker.kind, x(marker.at), y(marker.row, marker.lane), marker.severity);
      node.setAttribute("data-kind", marker.kind);
      svg.appendChild(item(node, describeMarker(marker), marker.entry));
    }

    el("line", {class: "now", x1: x(model.now), x2: x(model.now), y1: AXIS - 6, y2: height}, svg);
    const now = el("text", {class: "now-label", x: x(model.now), y: AXIS - 10, "text-anchor": "end"}, svg);
    now.textContent = `now ${when(model.now).slice(11)}`;

    const tip = document.createElement("div");
    tip.className = "timeline-tip";
    tip.hidden = true;
    svg.addEventListener("mousemove", (event) => {
      const target = event.target.closest("[data-i]");
      tip.hidden = !target;
      if (!target) return;
      tip.textContent = hover[Number(target.getAttribute("data-i"))];
      const box = container.getBoundingClientRect();
      tip.style.left = `${Math.min(event.clientX - box.left + 14, width - 420)}px`;
      tip.style.top = `${event.clientY - box.top + 14}px`;
    });
    svg.addEventListener("mouseleave", () => { tip.hidden = true; });
    svg.addEventListener("click", (event) => {
      const target = event.target.closest("[data-entry]");
      if (target && options.open) options.open(Number(target.getAttribute("data-entry")));
    });

    const notes = [];
    const left = model.left_off;
    if (left.rows) notes.push(`${left.rows} quieter credentials`);
    if (left.bars) notes.push(`${left.bars} older tokens`);
    if (left.markers) notes.push(`${left.markers} markers`);
    const footer = document.createElement("p");
    footer.className = "timeline-note";
    footer.textContent = model.rows.length ? (notes.length ? `Not drawn: ${notes.join(", ")}.` : "")
                                           : "No requests in this stretch of time yet.";
    const legend = document.createElement("p");
    legend.className = "timeline-legend";
    for (const [color, mark, meaning] of LEGEND) {
      const entry = document.createElement("span");
      const sign = document.createElement("b");
      sign.style.color = color;
      sign.textContent = mark;
      entry.append(sign, ` ${meaning}`);
      legend.appendChild(entry);
    }
    container.replaceChildren(legend, svg, tip, footer);
  }

  return {draw, when};
})();
