// Shared by the console, the unit portal and the big screen: API calls with the
// CSRF header, login, labels, the live feed and map helpers.
"use strict";
const $ = (id) => document.getElementById(id);
const LD = {};
LD.CHANNEL = { phone: "电话", wechat: "微信", weibo: "微博", sms: "短信", app: "APP",
  stb_alarm: "一键报警", grid: "网格上报" };
LD.CATEGORY = { police: "警情", fire: "消防救援", medical: "医疗急救", traffic: "交通",
  consumer: "消费维权", government: "政务服务" };
LD.STATE = { received: "受理", dispatched: "派单", acknowledged: "签收", in_progress: "处置",
  completed: "办结", evaluated: "回访/评价", closed: "结案", returned: "退单", merged: "并单",
  sent: "待签收", withdrawn: "已撤回" };
LD.CALL = { arrived: "呼入", registered: "已登记", answered: "已应答", greeting: "播放提示音",
  queued: "排队等待", ringing_seat: "坐席振铃", talking: "通话中", on_hold: "保持", transferring: "转接中",
  transferred: "已转接", conference: "三方通话", dialing_out: "外呼中", fallback: "转人工群组", ended: "已挂断" };

LD.csrf = function () {
  const m = document.cookie.match(/(?:^|; )ld_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : "";
};

LD.api = async function (path, opts = {}) {
  const headers = Object.assign({ "X-CSRF-Token": LD.csrf() }, opts.headers || {});
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    opts = Object.assign({}, opts, { body: JSON.stringify(opts.json), method: opts.method || "POST" });
  }
  const r = await fetch(path, Object.assign({ credentials: "same-origin" }, opts, { headers }));
  const body = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(body?.message || r.statusText), { status: r.status, body });
  return body;
};

LD.esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
LD.fmtWait = (s) => (s < 60 ? `${Math.max(0, Math.round(s))}秒` : `${Math.floor(s / 60)}分${Math.round(s % 60)}秒`);
LD.fmtTime = (iso) => (iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "");
LD.el = function (tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (v !== false && v != null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
};

// Login box shared by every page; `onReady(me)` runs once logged in.
LD.boot = function (onReady) {
  const start = async () => {
    const me = await LD.api("/api/v1/desk/config");
    $("who").textContent = `${me.user.display_name}（${me.user.role_label}）`;
    $("login-box").hidden = true; $("app").hidden = false; $("logout").hidden = false;
    LD.me = me;
    await onReady(me);
  };
  $("login").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("login-error").textContent = "";
    try { await LD.api("/api/v1/auth/login", { method: "POST", body: new FormData(ev.target) }); await start(); }
    catch (e) { $("login-error").textContent = e.message; }
  });
  $("logout").addEventListener("click", async () => {
    await LD.api("/api/v1/auth/logout", { method: "POST" }).catch(() => null);
    location.reload();
  });
  start().catch(() => { $("login-box").hidden = false; $("app").hidden = true; });
};

// The live feed. EventSource resends Last-Event-ID itself when it reconnects.
LD.feed = function (handlers) {
  const es = new EventSource("/api/v1/desk/events");
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (ev) => fn(JSON.parse(ev.data)));
  }
  es.onerror = () => { if (handlers.disconnected) handlers.disconnected(); };
  return es;
};

// Map: Leaflet without internet tiles: townships and grids drawn from the org map.
LD.map = function (id, opts = {}) {
  const map = L.map(id, { zoomControl: true, attributionControl: !!LD.me?.tile_url, preferCanvas: !!opts.canvas });
  if (LD.me?.tile_url) L.tileLayer(LD.me.tile_url, { attribution: LD.me.tile_attribution || "" }).addTo(map);
  map.setView([27.03, 106.03], opts.zoom || 10);
  return map;
};
LD.townships = null;
LD.drawTownships = async function (map, style = {}) {
  LD.townships = LD.townships || await LD.api("/api/v1/desk/map/townships");
  const features = LD.townships.filter((t) => t.polygon).map((t) => ({
    type: "Feature", properties: { name: t.name, id: t.id }, geometry: { type: "Polygon", coordinates: t.polygon } }));
  const layer = L.geoJSON({ type: "FeatureCollection", features }, {
    style: Object.assign({ color: "#5b7db1", weight: 1, fillOpacity: 0.05 }, style),
    onEachFeature: (f, l) => l.bindTooltip(f.properties.name, { sticky: true }),
  });
  layer.addTo(map);
  return layer;
};

// A short two-tone beep (WebAudio) for emergencies; needs one user gesture first.
LD.audio = null;
document.addEventListener("click", () => { if (!LD.audio && window.AudioContext) LD.audio = new AudioContext(); }, { once: true });
LD.beep = function () {
  const ctx = LD.audio; if (!ctx) return;
  [0, 0.35].forEach((t, i) => {
    const o = ctx.createOscillator(); const g = ctx.createGain();
    o.frequency.value = i ? 660 : 880; g.gain.value = 0.15;
    o.connect(g); g.connect(ctx.destination);
    o.start(ctx.currentTime + t); o.stop(ctx.currentTime + t + 0.25);
  });
  LD.beeps = (LD.beeps || 0) + 1;
};

// Tiny inline-SVG horizontal bar chart: [{label, value}] → <svg>.
LD.bars = function (rows, opts = {}) {
  const w = opts.width || 360, rowH = 22, h = Math.max(rowH, rows.length * rowH);
  const max = Math.max(1, ...rows.map((r) => r.value));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`); svg.setAttribute("width", "100%"); svg.setAttribute("class", "chart");
  rows.forEach((r, i) => {
    const y = i * rowH, bw = ((w - 150) * r.value) / max;
    const t = document.createElementNS(ns, "text"); t.setAttribute("x", 0); t.setAttribute("y", y + 15); t.textContent = r.label;
    const b = document.createElementNS(ns, "rect"); b.setAttribute("x", 100); b.setAttribute("y", y + 4);
    b.setAttribute("width", Math.max(1, bw)); b.setAttribute("height", rowH - 8); b.setAttribute("fill", r.color || opts.color || "#3d8bfd");
    const v = document.createElementNS(ns, "text"); v.setAttribute("x", 106 + bw); v.setAttribute("y", y + 15); v.textContent = r.value;
    v.setAttribute("class", "v");
    svg.append(t, b, v);
  });
  return svg;
};
