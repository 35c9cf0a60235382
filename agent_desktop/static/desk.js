// Call taker's console: live queue, call control, case panel, map with cameras, dispatch.
"use strict";
window.deskTimes = {}; window.deskArrived = {};  // performance.now() of the first feed events (benchmarks read them)
const S = {
  items: new Map(), rows: new Map(), order: [], offset: 0, calls: new Map(), callsApi: null,
  current: null, keywords: [], partial: null, map: null, layers: null, camTimer: null,
};
const seat = () => localStorage.getItem("ld.seat") || "";
const camMode = () => localStorage.getItem("ld.camMode") || "snapshot";
const soundOn = () => localStorage.getItem("ld.sound") !== "off";

// ---- settings ---------------------------------------------------------------
function showSeat() { $("seat-label").textContent = seat() ? `坐席 ${seat()}` : "未设置坐席"; }
$("settings-btn").addEventListener("click", () => {
  $("seat").value = seat(); $("cam-mode").value = camMode(); $("sound").checked = soundOn();
  $("settings").showModal();
});
$("settings").addEventListener("close", () => {
  if ($("seat").checkValidity()) localStorage.setItem("ld.seat", $("seat").value.trim());
  localStorage.setItem("ld.camMode", $("cam-mode").value);
  localStorage.setItem("ld.sound", $("sound").checked ? "on" : "off");
  showSeat(); if (S.current) showCameras(S.current.cameras);
});

// ---- queue ------------------------------------------------------------------
function callFor(number) {
  for (const c of S.calls.values()) if (c.case_number === number) return c;
  return null;
}
function rowHtml(it) {
  const call = callFor(it.case_number);
  const cells = [it.case_number, LD.CHANNEL[it.channel] || it.channel, it.hotline || "",
    (LD.CATEGORY[it.category] || "待分类") + (it.emergency ? " · 紧急" : ""), `P${it.priority}`,
    it.township || "", LD.fmtWait(Date.now() / 1000 + S.offset - it.enqueued_at),
    call ? (LD.CALL[call.state] || call.state) + (call.seat ? ` ${call.seat}` : "") : (it.live ? "在线" : ""),
    it.summary];
  const cls = it.urgent ? (it.emergency ? "urgent emergency" : "urgent") : "";
  return `<tr data-n="${LD.esc(it.case_number)}" class="${cls}">${cells.map((c) => `<td>${LD.esc(c)}</td>`).join("")}</tr>`;
}
const tpl = document.createElement("template");
function buildRow(it) { tpl.innerHTML = rowHtml(it); return tpl.content.firstChild; }
function renderQueue(changed, reset) {
  const sorted = [...S.items.values()].sort((a, b) => a.score - b.score).map((i) => i.case_number);
  const body = $("queue");
  if (reset) {  // one parse for thousands of rows is far cheaper than one node at a time
    body.innerHTML = sorted.map((n) => rowHtml(S.items.get(n))).join("");
    S.rows = new Map([...body.children].map((r) => [r.dataset.n, r]));
  } else {
    const kept = S.order.filter((n) => S.items.has(n) && !changed.has(n));
    const keptNow = sorted.filter((n) => S.rows.has(n) && !changed.has(n));
    const stable = kept.length === keptNow.length && kept.every((n, i) => n === keptNow[i]);
    for (const n of changed) { const old = S.rows.get(n); if (old) old.remove(); S.rows.delete(n); }
    for (const n of changed) if (S.items.has(n)) S.rows.set(n, buildRow(S.items.get(n)));
    if (stable) {  // insert the changed rows where they belong; leave the rest in place
      for (let i = sorted.length - 1, next = null; i >= 0; i--) {
        const row = S.rows.get(sorted[i]);
        if (changed.has(sorted[i])) body.insertBefore(row, next);
        next = row;
      }
    } else body.replaceChildren(...sorted.map((n) => S.rows.get(n)));
  }
  S.order = sorted;
  $("total").textContent = `共 ${S.items.size} 条`;
}
function applyQueue(ev) {
  if (ev.reset) window.deskTimes.queue = performance.now();
  S.offset = ev.server_now - Date.now() / 1000;
  const changed = new Set();
  if (ev.reset) { for (const n of S.items.keys()) changed.add(n); S.items.clear(); }
  let alarm = false;
  const arrived = Date.now();
  for (const it of ev.upsert) {
    if (!ev.reset) window.deskArrived[it.case_number] = [arrived, ev.server_now * 1000];
    if (!ev.reset && !S.items.has(it.case_number) && (it.emergency || it.priority === 1)) alarm = true;
    S.items.set(it.case_number, it); changed.add(it.case_number);
  }
  for (const n of ev.remove) { S.items.delete(n); changed.add(n); }
  renderQueue(changed, ev.reset);
  if (ev.reset) window.deskTimes.rendered = performance.now();
  if (alarm && soundOn()) LD.beep();
  window.deskRendered = (window.deskRendered || 0) + 1;
}
setInterval(() => {  // waiting times of the visible head of the queue
  const now = Date.now() / 1000 + S.offset;
  for (const n of S.order.slice(0, 300)) {
    const it = S.items.get(n), row = S.rows.get(n);
    if (it && row) row.cells[6].textContent = LD.fmtWait(now - it.enqueued_at);
  }
}, 1000);

$("queue").addEventListener("click", (ev) => {
  const tr = ev.target.closest("tr"); if (!tr) return;
  for (const r of document.querySelectorAll("#queue tr.selected")) r.classList.remove("selected");
  tr.classList.add("selected");
  takeCase(tr.dataset.n);
});

// ---- calls (telephony API; degrade when it is not there) ----------------------
async function loadCalls() {
  try {
    const calls = await LD.api("/api/v1/calls");
    S.callsApi = true;
    S.calls = new Map(calls.map((c) => [c.channel_id, c]));
  } catch (e) {
    S.callsApi = e.status === 404 ? false : S.callsApi;
  }
  updateCallButtons();
}
function onCall(ev) {
  if (ev.state === "ended") S.calls.delete(ev.channel_id);
  else S.calls.set(ev.channel_id, Object.assign(S.calls.get(ev.channel_id) || {}, ev));
  if (S.items.has(ev.case_number)) renderQueue(new Set([ev.case_number]));
  updateCallButtons();
}
function currentCall() { return S.current ? callFor(S.current.case.number) : null; }
function updateCallButtons() {
  const call = currentCall();
  for (const b of document.querySelectorAll("#call-controls button")) {
    const off = S.callsApi === false || !call;
    b.disabled = off;
    b.title = S.callsApi === false ? "话务控制接口尚未启用" : (!call ? "此工单没有进行中的通话" : b.dataset.title || b.title);
  }
  $("call-state").textContent = call ? `通话状态：${LD.CALL[call.state] || call.state}${call.seat ? "（" + call.seat + "）" : ""}` : "";
}
async function callAction(action) {
  const call = currentCall(); if (!call) return;
  let body = {};
  if (action === "take") body = { seat: seat() };
  if (action === "transfer") body = { target: $("transfer-target").value, mode: $("transfer-mode").value };
  if (action === "conference") body = { target: $("transfer-target").value };
  if (action === "take" && !seat()) { $("case-msg").textContent = "请先在设置中填写坐席号"; return; }
  try { await LD.api(`/api/v1/calls/${encodeURIComponent(call.channel_id)}/${action}`, { json: body }); $("case-msg").textContent = "已执行"; }
  catch (e) { $("case-msg").textContent = `话务操作失败：${e.message}`; }
}
for (const b of document.querySelectorAll("#call-controls button")) b.addEventListener("click", () => callAction(b.dataset.call));

// ---- taking and opening a case ---------------------------------------------------
async function takeCase(number) {
  const call = callFor(number);
  try {
    if (call && S.callsApi && seat() && ["arrived", "registered", "answered", "greeting", "queued", "on_hold"].includes(call.state)) {
      // The seat's phone rings; a telephony failure must not stop the case being taken.
      await LD.api(`/api/v1/calls/${encodeURIComponent(call.channel_id)}/take`, { json: { seat: seat() } })
        .catch((e) => { $("case-msg").textContent = `接听失败：${e.message}`; });
    }
    await LD.api(`/api/v1/cases/${number}/actions/take`, { json: {} }).catch((e) => {
      if (e.status !== 409 && e.body?.error_id !== "already-taken") throw e;
    });
    $("taken").textContent = `已认领 ${number}`;
  } catch (e) { $("taken").textContent = `认领失败：${e.message}`; }
  await openCase(number);
}
async function takeNext() {
  try { const t = await LD.api("/api/v1/queue/next", { method: "POST" }); $("taken").textContent = `已认领 ${t.case_number}`; await openCase(t.case_number); }
  catch (e) { $("taken").textContent = e.message; }
}
$("take-next").addEventListener("click", takeNext);

async function openCase(number) {
  const panel = await LD.api(`/api/v1/desk/cases/${number}`);
  S.current = panel; S.partial = null;
  const c = panel.case;
  $("case-box").hidden = false;
  $("case-title").textContent = `${c.number} · ${c.summary.slice(0, 40)}`;
  $("case-state").textContent = c.state_label;
  const first = c.contacts[0];
  $("caller").textContent = first ? `${LD.CHANNEL[first.channel] || first.channel}${first.hotline ? " " + first.hotline : ""} · ${first.sender}` : "";
  $("reply-box").hidden = !first || first.channel === "phone";
  $("case-msg").textContent = ""; $("dispatch-result").textContent = "";
  updateCallButtons();
  await Promise.all([loadHistory(number), loadAnalysis(number), loadTranscript(number), showMap(panel),
    ...(LD.caseHooks || []).map((hook) => hook(panel))]);  // e.g. duplicates.js (可能重复, 拆单)
  showCameras(panel.cameras);
}
function closeCase() { S.current = null; $("case-box").hidden = true; clearInterval(S.camTimer); }
$("close-case").addEventListener("click", closeCase);

async function loadHistory(number) {
  const h = await LD.api(`/api/v1/desk/cases/${number}/history`).catch(() => null);
  $("repeat").hidden = !h?.repeat;
  $("history").replaceChildren(...(h?.cases || []).map((x) =>
    LD.el("li", { text: `${x.number} ${LD.STATE[x.state] || x.state} ${LD.CATEGORY[x.category] || ""} ${x.summary.slice(0, 30)}` })));
  if (h && !h.cases.length) $("history").replaceChildren(LD.el("li", { text: "无历史工单" }));
}

function highlight(text) {
  let html = LD.esc(text);
  for (const k of S.keywords) if (k) html = html.split(LD.esc(k)).join(`<mark>${LD.esc(k)}</mark>`);
  return html;
}
async function loadTranscript(number) {
  const lines = await LD.api(`/api/v1/desk/cases/${number}/transcript`).catch(() => []);
  const c = S.current.case;
  const base = c.contacts.map((ct) => ct.transcript || ct.text).filter(Boolean);
  $("transcript").innerHTML = [...base, ...lines.map((l) => l.text)].map((t) => `<p>${highlight(t)}</p>`).join("");
}
function onTranscript(ev) {
  if (!S.current || !S.current.case.contacts.some((ct) => String(ct.id) === String(ev.contact_id))) return;
  if (S.partial) { S.partial.remove(); S.partial = null; }
  const p = LD.el("p", { class: ev.kind === "partial" ? "partial" : "" }); p.innerHTML = highlight(ev.text);
  $("transcript").append(p);
  if (ev.kind === "partial") S.partial = p; else debounceAnalysis();
  $("transcript").scrollTop = $("transcript").scrollHeight;
}
let analysisTimer = null;
function debounceAnalysis() { clearTimeout(analysisTimer); analysisTimer = setTimeout(() => S.current && loadAnalysis(S.current.case.number), 800); }

function fillSelect(sel, options, value) {
  sel.replaceChildren(...options.map(([v, t]) => LD.el("option", { value: v, text: t })));
  sel.value = value ?? "";
}
async function loadAnalysis(number) {
  const live = [...$("transcript").querySelectorAll("p")].map((p) => p.textContent).join("\n").slice(-5000);
  const a = await LD.api(`/api/v1/desk/cases/${number}/analysis?text=${encodeURIComponent(live)}`);
  const k = a.classification, cur = a.current;
  S.keywords = k.keywords;
  for (const p of $("transcript").querySelectorAll("p")) p.innerHTML = highlight(p.textContent);
  $("suggested").innerHTML = `建议：<b>${LD.esc(k.category_label || "无法判断")}</b> / ${LD.esc(k.subtype_label || "")} · P${k.priority}${k.emergency ? " · <b class='error'>紧急</b>" : ""}`;
  $("explanation").textContent = k.explanation;
  const cats = LD.me.categories.map((x) => [x.name, x.label]);
  fillSelect($("f-category"), [["", "—"], ...cats], cur.category || k.category);
  const subs = () => LD.me.subtypes.filter((s) => s.category === $("f-category").value).map((s) => [s.name, s.label]);
  fillSelect($("f-subtype"), [["", "—"], ...subs()], cur.subtype || k.subtype);
  $("f-category").onchange = () => fillSelect($("f-subtype"), [["", "—"], ...subs()], "");
  $("classify").priority.value = String(cur.priority);
  $("classify").emergency.checked = cur.emergency;
  const d = a.dispatch;
  $("dispatch-suggestion").replaceChildren(...(d.ok
    ? [...d.units.map((u) => LD.el("li", { text: `${u.role === "lead" ? "主办" : "协办"}：${u.name}` })),
      LD.el("li", { text: `签收时限 ${fmtLimit(d.ack)}（${LD.fmtTime(d.ack_deadline)}前）` }),
      LD.el("li", { text: `办结时限 ${fmtLimit(d.done)}（${LD.fmtTime(d.done_deadline)}前）` })]
    : [LD.el("li", { class: "error", text: `无法自动派单：${d.reason}` })]));
}
function fmtLimit(s) {
  const [n, u] = s.split(" ");
  return n + ({ seconds: "秒", minutes: "分钟", hours: "小时", working_hours: "个工作小时", working_days: "个工作日" }[u] || u);
}

$("classify").addEventListener("submit", async (ev) => {
  ev.preventDefault(); if (!S.current) return;
  const f = ev.target;
  const body = { category: f.category.value || null, subtype: f.subtype.value || null,
    priority: Number(f.priority.value), emergency: f.emergency.checked };
  try {
    await LD.api(`/api/v1/cases/${S.current.case.number}/actions/classify`, { json: body });
    $("case-msg").textContent = "分类已保存"; await loadAnalysis(S.current.case.number);
  } catch (e) { $("case-msg").textContent = `保存失败：${e.message}`; }
});

async function dispatch() {
  if (!S.current) return;
  const lead = $("lead-unit").value;
  try {
    const c = await LD.api(`/api/v1/cases/${S.current.case.number}/actions/dispatch`, { json: lead ? { lead_unit_id: Number(lead) } : {} });
    $("dispatch-result").textContent = `已派单：${c.instructions.filter((i) => i.state === "sent").map((i) => i.unit_name).join("、")}`;
    $("case-state").textContent = c.state_label;
  } catch (e) { $("dispatch-result").textContent = `派单失败：${e.message}`; }
}
$("dispatch").addEventListener("click", dispatch);

async function note(text, ok) {
  if (!S.current || !text.trim()) return;
  try { await LD.api(`/api/v1/cases/${S.current.case.number}/actions/note`, { json: { note: text } }); $("case-msg").textContent = ok; }
  catch (e) { $("case-msg").textContent = e.message; }
}
$("add-note").addEventListener("click", async () => { await note($("note").value, "备注已添加"); $("note").value = ""; });
// The reply goes out through the delivery service (deliveries.js).
$("send-reply").addEventListener("click", () => LD.deliveries.send());

$("reveal").addEventListener("click", reveal);
async function reveal() {
  if (!S.current) return;
  try {
    const r = await LD.api(`/api/v1/desk/cases/${S.current.case.number}/reveal`, { method: "POST" });
    const first = S.current.case.contacts[0];
    $("caller").textContent = `${LD.CHANNEL[first.channel] || first.channel} · ${r.contacts[0]?.sender || ""}（已记录查看）`;
  } catch (e) { $("case-msg").textContent = e.message; }
}

// ---- map and cameras -------------------------------------------------------------
async function showMap(panel) {
  if (!S.map) { S.map = LD.map("map"); await LD.drawTownships(S.map); }
  if (S.layers) S.layers.remove();
  S.layers = L.layerGroup().addTo(S.map);
  const p = panel.point;
  const pl = panel.placement;
  $("placement").textContent = pl ? `位置：${pl.township_name} ${pl.village_name} 网格 ${pl.grid_code}` : (p ? "位置：未落入网格" : "位置未知");
  if (!p) return;
  if (pl) {
    const grids = await LD.api(`/api/v1/desk/map/grids?grid_id=${pl.grid_id}`);
    for (const g of grids) L.geoJSON({ type: "Polygon", coordinates: g.polygon }, { style: { color: "#d9480f", weight: 3, fillOpacity: 0.15, className: "grid-boundary" } })
      .bindTooltip(`网格 ${g.code}`).addTo(S.layers);
    const t = LD.townships.find((x) => x.id === pl.township_id);
    if (t?.polygon) L.geoJSON({ type: "Polygon", coordinates: t.polygon }, { style: { color: "#1c7ed6", weight: 2, fillOpacity: 0.03 } }).addTo(S.layers);
  }
  L.circleMarker([p.lat, p.lon], { radius: 9, color: "#c92a2a", fillColor: "#fa5252", fillOpacity: 0.9, className: "case-marker" }).bindTooltip("报警位置").addTo(S.layers);
  for (const cam of panel.cameras) L.circleMarker([cam.lat, cam.lon], { radius: 6, color: "#2b8a3e", fillOpacity: 0.8, className: "camera-marker" }).bindTooltip(`📷 ${cam.name}`).addTo(S.layers);
  S.map.invalidateSize();
  const grid = S.layers.getLayers().find((l) => l.getBounds);
  if (grid) S.map.fitBounds(grid.getBounds().extend([p.lat, p.lon]), { padding: [30, 30], maxZoom: 15 });
  else S.map.setView([p.lat, p.lon], 14);
}
function showCameras(cams) {
  clearInterval(S.camTimer);
  const box = $("cameras");
  box.replaceChildren(...cams.map((cam) => {
    const img = LD.el("img", { alt: cam.name, "data-code": cam.code });
    img.src = camMode() === "mjpeg" ? cam.stream_url : `${cam.snapshot_url}?t=${Date.now()}`;
    return LD.el("figure", {}, img, LD.el("figcaption", { text: `${cam.name} · ${Math.round(cam.distance_m)}米` }));
  }));
  if (!cams.length) box.replaceChildren(LD.el("p", { text: "附近没有摄像头" }));
  if (camMode() === "snapshot") {
    S.camTimer = setInterval(() => {
      cams.forEach((cam, i) => { const img = box.querySelectorAll("img")[i]; if (img) img.src = `${cam.snapshot_url}?t=${Date.now()}`; });
    }, 2000);
  }
}

$("contact").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = Object.fromEntries(new FormData(ev.target));
  if (!f.hotline || f.channel !== "phone") delete f.hotline;
  try {
    const r = await LD.api("/api/v1/contacts", { json: f });
    $("contact-result").textContent = `已受理，工单号 ${r.case_number}`;
    ev.target.reset();
  } catch (e) { $("contact-result").textContent = `受理失败：${e.message}`; }
});

// ---- keyboard shortcuts --------------------------------------------------------------
document.addEventListener("keydown", (ev) => {
  if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const k = ev.key.toLowerCase();
  const call = currentCall();
  const acts = {
    n: takeNext,
    t: () => { const sel = document.querySelector("#queue tr.selected"); if (sel) takeCase(sel.dataset.n); else if (call) callAction("take"); },
    h: () => call && callAction(call.state === "on_hold" ? "resume" : "hold"),
    x: () => callAction("hangup"),
    c: () => $("classify").requestSubmit(),
    d: dispatch,
    r: reveal,
    "/": () => $("note").focus(),
    escape: closeCase,
  };
  if (acts[k]) { ev.preventDefault(); acts[k](); }
});

async function health() {
  try {
    const s = await fetch("/status").then((r) => r.json());
    $("health").textContent = { ok: "系统正常", degraded: "部分降级", down: "故障" }[s.status] || s.status;
    $("health").className = `badge ${s.status}`;
  } catch (e) { $("health").textContent = "无法连接"; $("health").className = "badge down"; }
}

LD.boot(async (me) => {
  window.deskTimes.boot = performance.now();
  if (me.user.role === "unit_staff") { location.href = "portal.html"; return; }
  if (!me.user.perms.includes("queue:read")) { location.href = "screen.html"; return; }
  showSeat(); health(); setInterval(health, 15000);
  LD.api("/api/v1/desk/units").then((units) =>
    $("lead-unit").append(...units.map((u) => LD.el("option", { value: u.id, text: u.name }))));
  loadCalls();
  LD.feed({
    hello: () => { window.deskTimes.hello = performance.now(); $("feed-state").textContent = "实时"; $("feed-state").className = "badge ok"; },
    queue: applyQueue, call: onCall, transcript: onTranscript,
    degraded: () => { $("feed-state").textContent = "降级"; $("feed-state").className = "badge degraded"; },
    disconnected: () => { $("feed-state").textContent = "重连中"; $("feed-state").className = "badge degraded"; },
  });
});
