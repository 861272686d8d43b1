"""The webcast page: one self-contained HTML document, no build step and no CDN.

It opens an ``EventSource`` on ``stream`` and draws what the server sends: a snapshot first
(so a reconnecting page redraws from scratch and shows nothing twice), then commentary lines,
mission and phase, figures, alerts and events as they come. Text from the bus is only ever set
with ``textContent``: a commentary line is data, never markup. Every alert wears a badge: the
device it is about, or ``ground`` (in a colour of its own) when the ground's view is at fault.

The header's state is shown in words, in red once the mission aborts and in amber during a hold;
each figure wears its label (the rocket's, or the capsule's after an abort). Commentary and
events set each mission apart with a "— mission <id> —" separator. Times read T-/T+ from that
mission's lift-off (``liftoffs``, sent with the snapshot and the mission), relabelled when the
lift-off becomes known; a mission not yet lifted off shows the mission clock (UTC).
"""

from __future__ import annotations

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MarsY live</title>
<style>
  :root { color-scheme: dark; --bg: #0b0f17; --panel: #151b27; --dim: #8a94a6; --hot: #ff5d5d;
          --warn: #ffc14d; --ok: #4dd08a; --ground: #5cc8ff; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: #e8ecf3;
         font: 15px/1.4 system-ui, sans-serif; }
  header { display: flex; gap: 1.5rem; align-items: baseline; padding: .8rem 1.2rem;
           background: var(--panel); border-bottom: 1px solid #222b3a; flex-wrap: wrap; }
  header h1 { font-size: 1.1rem; margin: 0; letter-spacing: .08em; }
  header .item { color: var(--dim); }
  header .item b { color: #fff; font-weight: 600; text-transform: uppercase; }
  header #mission { text-transform: none; }
  header #state.abort, header #state.aborted { color: var(--hot); }
  header #state.hold, header #state.held, header #state.scrubbed { color: var(--warn); }
  #status { margin-left: auto; font-size: .85rem; padding: .1rem .6rem; border-radius: 1rem;
            border: 1px solid var(--dim); }
  #status.live { color: var(--ok); border-color: var(--ok); }
  #status.down { color: var(--warn); border-color: var(--warn); }
  #figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
             gap: .8rem; padding: 1rem 1.2rem 0; }
  .figure { background: var(--panel); border-radius: .5rem; padding: .6rem .9rem; }
  .figure .label { color: var(--dim); font-size: .8rem; text-transform: uppercase; }
  .figure .value { font-size: 1.6rem; font-variant-numeric: tabular-nums; }
  main { display: grid; grid-template-columns: 2fr 1fr; gap: 1rem; padding: 1rem 1.2rem; }
  section { background: var(--panel); border-radius: .5rem; padding: .6rem .9rem;
            margin-bottom: 1rem; }
  h2 { font-size: .8rem; color: var(--dim); text-transform: uppercase; margin: .2rem 0 .6rem; }
  ol, ul { list-style: none; margin: 0; padding: 0; }
  #lines { max-height: 60vh; overflow-y: auto; }
  .line { padding: .25rem 0; border-bottom: 1px solid #1e2636; }
  .line time, #events time { color: var(--dim); font-size: .8rem; margin-right: .5rem;
                             font-variant-numeric: tabular-nums; }
  .line .speaker { font-weight: 600; margin-right: .5rem; }
  .separator { color: var(--dim); text-align: center; font-size: .8rem; padding: .4rem 0;
               letter-spacing: .05em; }
  .line.host .speaker { color: #7fb2ff; }
  #alerts li { padding: .25rem .4rem; margin-bottom: .3rem; border-left: 3px solid var(--warn); }
  #alerts li.red { border-color: var(--hot); color: var(--hot); }
  #alerts li.ground { border-color: var(--ground); color: var(--ground); }
  #alerts .badge { font-size: .7rem; text-transform: uppercase; padding: 0 .4rem;
                   margin-right: .5rem; border: 1px solid currentColor; border-radius: .6rem; }
  #alerts:empty::after { content: "none"; color: var(--dim); }
  #events li { padding: .15rem 0; }
  @media (max-width: 700px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>MARSY LIVE</h1>
  <span class="item">mission <b id="mission">-</b></span>
  <span class="item">state <b id="state">-</b></span>
  <span class="item">phase <b id="phase">-</b></span>
  <span class="item">crew aboard <b id="crew">-</b></span>
  <span id="status">connecting</span>
</header>
<div id="figures"></div>
<main>
  <section><h2>Commentary</h2><ol id="lines"></ol></section>
  <div>
    <section><h2>Alerts</h2><ul id="alerts"></ul></section>
    <section><h2>Events</h2><ol id="events"></ol></section>
  </div>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const MAX_LINES = 300;
const FORMATS = {  // by the unit as the parameter dictionary shows it
  "m": (v) => Math.abs(v) >= 10000 ? (v / 1000).toFixed(1) + " km" : v.toFixed(0) + " m",
  "m/s": (v) => v.toFixed(0) + " m/s",
  "/min": (v) => v.toFixed(0) + " bpm",
  "g": (v) => v.toFixed(2) + " g",
};

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}
const liftoffs = {};  // mission id -> the rocket's lift-off time
let lastLineMission = null, topEventMission = null;

function two(n) { return String(n).padStart(2, "0"); }
function since(seconds) {  // 83 -> "01:23", 3723 -> "1:02:03"
  const s = Math.floor(Math.abs(seconds) + 1e-6);
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
  return (h ? h + ":" + two(m) : two(m)) + ":" + two(s % 60);
}
function missionTime(ts, mission) {
  const liftoff = liftoffs[mission];
  if (liftoff === undefined || liftoff === null) {
    return new Date(ts * 1000).toISOString().substring(11, 19);  // the mission clock
  }
  const t = ts - liftoff;
  return (t < 0 ? "T-" : "T+") + since(t);
}
function stamp(ts, mission) {
  const node = el("time", null, missionTime(ts, mission));
  node.dataset.ts = ts;
  node.dataset.mission = mission;
  return node;
}
function relabel() {
  document.querySelectorAll("time[data-ts]").forEach((node) => {
    node.textContent = missionTime(Number(node.dataset.ts), node.dataset.mission);
  });
}
function learnLiftoffs(map) {
  let changed = false;
  for (const [mission, ts] of Object.entries(map || {})) {
    if (ts !== null && liftoffs[mission] !== ts) { liftoffs[mission] = ts; changed = true; }
  }
  if (changed) relabel();
}
function separator(mission) {
  return el("li", "separator", "\u2014 mission " + mission + " \u2014");
}
function words(name) { return (name || "-").replaceAll("_", " "); }
function figure(f) {
  if (f.value === null) return "-";
  const format = FORMATS[f.unit];
  return format ? format(f.value) : f.value + " " + f.unit;
}
function setStatus(text, cls) { const s = $("status"); s.textContent = text; s.className = cls; }

function lineMission(mission) {  // a separator where the commentary moves to another mission
  if (!mission || mission === lastLineMission) return;
  $("lines").append(separator(mission));
  lastLineMission = mission;
}
function eventMission(mission) {  // newest first: each mission's separator heads its events
  if (!mission || mission === topEventMission) return;
  $("events").prepend(separator(mission));
  topEventMission = mission;
}
function addLine(line) {
  const item = el("li", line.speaker === "webcast" ? "line host" : "line");
  item.dataset.mission = line.mission_id;
  item.append(stamp(line.ts, line.mission_id), el("span", "speaker", line.speaker),
              el("span", "text", line.text));
  const list = $("lines");
  lineMission(line.mission_id);
  list.append(item);
  while (list.children.length > MAX_LINES) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}
function addEvent(event) {
  const item = el("li", "event");
  item.dataset.mission = event.mission_id;
  item.append(stamp(event.ts, event.mission_id),
              el("span", "text", words(event.event) + " (" + event.source + ")"));
  if (event.detail) item.title = event.detail;
  const list = $("events");
  if (event.mission_id && event.mission_id === topEventMission && list.firstElementChild) {
    list.firstElementChild.after(item);  // under its mission's separator
  } else {
    list.prepend(item);
    eventMission(event.mission_id);
  }
}
function showMission(m) {
  if (m.mission_id && m.liftoff !== undefined && m.liftoff !== null) {
    learnLiftoffs({[m.mission_id]: m.liftoff});
  }
  $("mission").textContent = m.mission_id || "none";
  $("state").textContent = words(m.state);
  $("state").className = m.state || "";
  $("phase").textContent = words(m.phase);
  $("crew").textContent = m.crew || "-";
  if (m.mission_id) { lineMission(m.mission_id); eventMission(m.mission_id); }
}
function showFigures(data) {
  $("figures").replaceChildren(...data.figures.map((f) => {
    const tile = el("div", "figure");
    tile.dataset.key = f.key;
    tile.title = f.description;
    tile.append(el("div", "label", f.label || words(f.name)), el("div", "value", figure(f)));
    return tile;
  }));
}
function showAlerts(data) {  // ground ones first, each with its badge: "ground" or the device
  $("alerts").replaceChildren(...data.alerts.map((a) => {
    const item = el("li", a.severity + " " + a.kind);
    item.append(el("span", "badge", a.kind === "ground" ? "ground" : a.device),
                el("span", "text", a.headline));
    if (a.message) item.title = a.message;
    return item;
  }));
}

const source = new EventSource("stream");
source.onopen = () => setStatus("live", "live");
source.onerror = () => setStatus("reconnecting", "down");
source.addEventListener("snapshot", (e) => {
  const s = JSON.parse(e.data);
  learnLiftoffs(s.liftoffs);
  $("lines").replaceChildren();
  lastLineMission = null;
  s.lines.forEach(addLine);
  $("events").replaceChildren();
  topEventMission = null;
  s.events.forEach(addEvent);
  showMission(s);
  showFigures(s);
  showAlerts(s);
});
source.addEventListener("line", (e) => addLine(JSON.parse(e.data)));
source.addEventListener("mission", (e) => showMission(JSON.parse(e.data)));
source.addEventListener("figures", (e) => showFigures(JSON.parse(e.data)));
source.addEventListener("alerts", (e) => showAlerts(JSON.parse(e.data)));
source.addEventListener("event", (e) => addEvent(JSON.parse(e.data)));
</script>
</body>
</html>
"""
