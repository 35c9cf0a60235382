// Supervisor view / big screen (R13): today's figures, refreshed live.
"use strict";
const COLORS = { police: "#4dabf7", fire: "#ff6b6b", medical: "#69db7c", traffic: "#ffd43b", consumer: "#da77f2", government: "#ffa94d" };
let map = null, points = null;
const rows = (obj, labels = {}) => Object.entries(obj).sort((a, b) => b[1] - a[1]).map(([k, v]) => ({ label: labels[k] || k || "未知", value: v, color: COLORS[k] }));

async function refresh() {
  const s = await LD.api("/api/v1/desk/stats");
  $("k-contacts").textContent = s.contacts_today; $("k-cases").textContent = s.cases_today;
  $("k-queue").textContent = s.queue_total ?? "–"; $("k-open").textContent = s.open_instructions;
  $("k-overdue").textContent = s.deadline.overdue;
  $("k-sat").textContent = s.satisfaction.rate == null ? "–" : `${Math.round(s.satisfaction.rate * 100)}%`;
  $("c-channel").replaceChildren(LD.bars(rows(s.by_channel, LD.CHANNEL)));
  $("c-hotline").replaceChildren(LD.bars(rows(s.by_hotline)));
  $("c-category").replaceChildren(LD.bars(rows(s.by_category, LD.CATEGORY)));
  $("c-township").replaceChildren(LD.bars(rows(s.by_township).slice(0, 10), { color: "#74c0fc" }));
  $("c-deadline").replaceChildren(LD.bars([
    { label: "正常", value: s.deadline.on_time, color: "#51cf66" },
    { label: "临近超时", value: s.deadline.due_soon, color: "#fcc419" },
    { label: "已超时", value: s.deadline.overdue, color: "#ff6b6b" }]));
  $("c-ladder").replaceChildren(LD.bars(s.escalations.filter((e) => e.level > 0).map((e) => ({ label: `第${e.level}级`, value: e.count, color: "#ff8787" }))));
  $("c-sat").replaceChildren(LD.bars(rows(s.satisfaction.ratings), { color: "#63e6be" }));
  $("overdue").replaceChildren(...s.overdue.slice(0, 12).map((o) => LD.el("tr", {},
    LD.el("td", { text: o.case_number }), LD.el("td", { text: o.unit }), LD.el("td", { text: LD.fmtWait(o.late_s) }))));
  if (points) points.remove();
  points = L.layerGroup(s.points.map((p) => L.circleMarker([p.lat, p.lon], {
    radius: p.emergency ? 7 : 5, color: COLORS[p.category] || "#adb5bd", fillOpacity: 0.9 }).bindTooltip(p.number))).addTo(map);
  window.screenRefreshed = (window.screenRefreshed || 0) + 1;
}

LD.boot(async () => {
  map = LD.map("screen-map", { zoom: 9, canvas: true });
  await LD.drawTownships(map, { color: "#74c0fc", fillOpacity: 0.08 });
  map.setView([27.03, 106.03], 9);
  await refresh();
  setInterval(() => { $("clock").textContent = new Date().toLocaleString("zh-CN", { hour12: false }); }, 1000);
  let t = null;
  const soon = () => { clearTimeout(t); t = setTimeout(refresh, 500); };
  setInterval(refresh, 5000);
  LD.feed({ queue: soon, call: soon, instructions: soon });
});
