// Minimal console: session login, live queue (polled every 2 s), take next, record a contact.
"use strict";
const $ = (id) => document.getElementById(id);
const CHANNEL = { phone: "电话", wechat: "微信", weibo: "微博", sms: "短信", app: "APP",
  stb_alarm: "一键报警", grid: "网格上报" };
const CATEGORY = { police: "治安", fire: "消防", medical: "急救", traffic: "交通",
  consumer: "消费", government: "政务" };

function csrf() {
  const m = document.cookie.match(/(?:^|; )ld_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function api(path, opts = {}) {
  const headers = Object.assign({ "X-CSRF-Token": csrf() }, opts.headers || {});
  const r = await fetch(path, Object.assign({ credentials: "same-origin" }, opts, { headers }));
  const body = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(body?.message || r.statusText), { status: r.status, body });
  return body;
}

function fmtWait(s) { return s < 60 ? `${Math.round(s)}秒` : `${Math.floor(s / 60)}分${Math.round(s % 60)}秒`; }

function row(item) {
  const tr = document.createElement("tr");
  if (item.urgent) tr.className = "urgent";
  const cells = [item.case_number, CHANNEL[item.channel] || item.channel, item.hotline || "",
    (CATEGORY[item.category] || "待分类") + (item.emergency ? " · 紧急" : ""), `P${item.priority}`,
    item.township || "", fmtWait(item.waiting_s), item.summary];
  for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.append(td); }
  return tr;
}

async function refresh() {
  try {
    const q = await api("/api/v1/queue");
    $("total").textContent = `共 ${q.total} 条`;
    $("queue").replaceChildren(...q.items.map(row));
  } catch (e) { if (e.status === 401) showLogin(); }
  try {
    const s = await fetch("/status").then((r) => r.json());
    const label = { ok: "系统正常", degraded: "部分降级", down: "故障" }[s.status] || s.status;
    $("health").textContent = label; $("health").className = `badge ${s.status}`;
  } catch (e) { $("health").textContent = "无法连接"; $("health").className = "badge down"; }
}

function showLogin() { $("login-box").hidden = false; $("desk").hidden = true; $("logout").hidden = true; }

async function showDesk() {
  const me = await api("/api/v1/auth/me");
  $("who").textContent = `${me.display_name}（${me.role_label}）`;
  $("login-box").hidden = true; $("desk").hidden = false; $("logout").hidden = false;
  refresh();
}

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  try {
    await api("/api/v1/auth/login", { method: "POST", body: new FormData(ev.target) });
    await showDesk();
  } catch (e) { $("login-error").textContent = e.message; }
});

$("logout").addEventListener("click", async () => { await api("/api/v1/auth/logout", { method: "POST" }); showLogin(); });

async function takeNext() {
  try { const t = await api("/api/v1/queue/next", { method: "POST" }); $("taken").textContent = `已认领 ${t.case_number}`; }
  catch (e) { $("taken").textContent = e.message; }
  refresh();
}
$("take").addEventListener("click", takeNext);
document.addEventListener("keydown", (ev) => {
  if (ev.key.toLowerCase() === "n" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) takeNext();
});

$("contact").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = Object.fromEntries(new FormData(ev.target));
  if (!f.hotline || f.channel !== "phone") delete f.hotline;
  try {
    const r = await api("/api/v1/contacts", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(f) });
    $("contact-result").textContent = `已受理，工单号 ${r.case_number}`;
    ev.target.reset(); refresh();
  } catch (e) { $("contact-result").textContent = `受理失败：${e.message}`; }
});

showDesk().catch(showLogin);
setInterval(() => { if (!$("desk").hidden) refresh(); }, 2000);
