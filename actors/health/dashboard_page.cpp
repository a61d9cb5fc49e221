// The built-in dashboard page (served at /dashboard on the metrics port).
// Self-contained: no network access is needed to render it.
#include "actors/health/dashboard.hpp"

namespace dfs {

const char* dashboard_html() {
  return R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dfs cluster</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 18px 0 6px; }
  #summary { color: #555; margin-bottom: 8px; }
  table { border-collapse: collapse; background: #fff; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
  th:first-child, td:first-child, td.state, td.breaker, td.roles { text-align: left; }
  .badge { padding: 1px 8px; border-radius: 9px; color: #fff; font-weight: 600; }
  .active { background: #2e7d32; } .suspect { background: #ef8f00; } .down { background: #c62828; }
  .charts { display: flex; gap: 16px; flex-wrap: wrap; }
  .chart { background: #fff; border: 1px solid #ddd; padding: 6px; }
  .chart div { font-weight: 600; margin-bottom: 2px; }
  .counters span { display: inline-block; min-width: 150px; margin-right: 12px; }
  .counters b { font-size: 18px; }
  .bad { color: #c62828; }
  #events { list-style: none; padding: 0; max-height: 220px; overflow: auto; background: #fff;
            border: 1px solid #ddd; margin: 0; }
  #events li { padding: 3px 8px; border-bottom: 1px solid #eee; }
  #events time { color: #777; margin-right: 8px; }
  #error { color: #c62828; }
</style>
</head>
<body>
<h1>dfs cluster</h1>
<div id="summary">loading…</div>
<div id="error"></div>
<h2>Nodes</h2>
<table id="nodes">
  <thead><tr><th>node</th><th>roles</th><th>state</th><th>cpu</th><th>memory</th><th>disk free</th>
    <th>in flight</th><th>p50 ms</th><th>p99 ms</th><th>cache hits</th><th>requests</th>
    <th>rejected</th><th>phi</th><th>breaker</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Chunks</h2>
<div class="counters">
  <span>under-replicated <b id="under">–</b></span>
  <span>corrupt <b id="corrupt">–</b></span>
  <span>lost <b id="lost">–</b></span>
  <span>repairs done <b id="repairs">–</b></span>
</div>
<h2>Live</h2>
<div class="charts">
  <div class="chart"><div>throughput (requests/s)</div><canvas id="throughput" width="360" height="150"></canvas></div>
  <div class="chart"><div>latency (ms): p50, p99</div><canvas id="latency" width="360" height="150"></canvas></div>
  <div class="chart"><div>cache hit ratio (%)</div><canvas id="cache" width="360" height="150"></canvas></div>
</div>
<h2>Recent events</h2>
<ul id="events"></ul>
<script>
"use strict";
const keep = 90;  // points per chart: 3 minutes at one poll every 2 s
const series = { throughput: [[]], latency: [[], []], cache: [[]] };
let last = null;  // the previous snapshot: requests per node, time

function fmtBytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}
function push(list, v) { list.push(v); if (list.length > keep) list.shift(); }
function draw(id, lines, colors, maxHint) {
  const c = document.getElementById(id), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  let max = maxHint || 0;
  for (const l of lines) for (const v of l) max = Math.max(max, v);
  if (max <= 0) max = 1;
  g.strokeStyle = "#eee"; g.fillStyle = "#888"; g.font = "10px sans-serif";
  for (let i = 0; i <= 4; i++) {
    const y = c.height - 14 - (c.height - 24) * i / 4;
    g.beginPath(); g.moveTo(30, y); g.lineTo(c.width, y); g.stroke();
    g.fillText((max * i / 4).toFixed(max < 10 ? 1 : 0), 0, y + 3);
  }
  lines.forEach((l, k) => {
    g.strokeStyle = colors[k]; g.lineWidth = 2; g.beginPath();
    l.forEach((v, i) => {
      const x = 30 + (c.width - 32) * i / (keep - 1);
      const y = c.height - 14 - (c.height - 24) * v / max;
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  });
  c.dataset.points = lines[0].length;
}
function cell(text, cls) {
  const td = document.createElement("td");
  if (cls) td.className = cls;
  td.textContent = text;
  return td;
}
function render(s) {
  const r = s.raft || {};
  document.getElementById("summary").textContent =
    "seen from " + s.node + " · Raft leader " + (r.leader || "none") + " · term " + r.term +
    " · commit index " + r.commit_index + " · " + new Date(s.time_ms).toLocaleTimeString();
  const body = document.querySelector("#nodes tbody");
  body.textContent = "";
  for (const n of s.nodes) {
    const tr = document.createElement("tr");
    tr.dataset.node = n.id;
    tr.dataset.state = n.state;
    tr.appendChild(cell(n.id + (n.self ? " (this)" : "") + (n.id === r.leader ? " ★ leader" : "")));
    tr.appendChild(cell((n.roles || []).join(", "), "roles"));
    const st = cell("", "state");
    const b = document.createElement("span");
    b.className = "badge " + n.state; b.textContent = n.state;
    st.appendChild(b); tr.appendChild(st);
    tr.appendChild(cell((n.cpu * 100).toFixed(0) + "%"));
    tr.appendChild(cell(fmtBytes(n.memory_bytes)));
    tr.appendChild(cell(fmtBytes(n.disk_free)));
    tr.appendChild(cell(n.in_flight));
    tr.appendChild(cell(n.latency_p50_ms.toFixed(2)));
    tr.appendChild(cell(n.latency_p99_ms.toFixed(2)));
    tr.appendChild(cell(n.cache_hit_ratio >= 0 ? (n.cache_hit_ratio * 100).toFixed(1) + "%" : "–"));
    tr.appendChild(cell(n.requests));
    tr.appendChild(cell(n.rejected));
    tr.appendChild(cell(n.phi.toFixed(1)));
    tr.appendChild(cell(n.breaker || "–", "breaker"));
    body.appendChild(tr);
  }
  const ch = s.chunks || {};
  for (const [id, v] of [["under", ch.under_replicated], ["corrupt", ch.corrupt],
                         ["lost", ch.lost], ["repairs", ch.repairs_done]]) {
    const e = document.getElementById(id);
    e.textContent = v;
    e.className = v > 0 && id !== "repairs" ? "bad" : "";
  }
  // Throughput from the growth of every live node's request counter.
  const live = s.nodes.filter(n => n.state !== "down");
  const total = live.reduce((a, n) => a + n.requests, 0);
  if (last && s.time_ms > last.time) {
    let grown = 0;
    for (const n of live) grown += Math.max(0, n.requests - (last.requests[n.id] || n.requests));
    push(series.throughput[0], grown * 1000 / (s.time_ms - last.time));
  }
  last = { time: s.time_ms, requests: Object.fromEntries(live.map(n => [n.id, n.requests])) };
  push(series.latency[0], Math.max(0, ...live.map(n => n.latency_p50_ms)));
  push(series.latency[1], Math.max(0, ...live.map(n => n.latency_p99_ms)));
  const ratios = live.map(n => n.cache_hit_ratio).filter(v => v >= 0);
  push(series.cache[0], ratios.length ? 100 * ratios.reduce((a, v) => a + v, 0) / ratios.length : 0);
  draw("throughput", series.throughput, ["#1565c0"]);
  draw("latency", series.latency, ["#2e7d32", "#c62828"]);
  draw("cache", series.cache, ["#6a1b9a"], 100);
  const ul = document.getElementById("events");
  ul.textContent = "";
  for (const e of s.events) {
    const li = document.createElement("li");
    li.dataset.kind = e.kind;
    const t = document.createElement("time");
    t.textContent = new Date(e.time_ms).toLocaleTimeString();
    li.appendChild(t);
    li.appendChild(document.createTextNode(e.text));
    ul.appendChild(li);
  }
}
async function poll() {
  try {
    const res = await fetch("/api/dashboard", { cache: "no-store" });
    if (!res.ok) throw new Error("HTTP " + res.status);
    render(await res.json());
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = "cannot reach the node: " + e.message;
  }
}
poll();
setInterval(poll, 2000);
</script>
</body>
</html>
)html";
}

}  // namespace dfs
