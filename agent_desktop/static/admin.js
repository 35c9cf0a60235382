// The admin console (issue 15): accounts, duty rosters, the catalogue's time limits and
// the change history with undo. Everything goes through /api/v1/admin (role admin).
"use strict";
const A = { units: [] };
LD.ROLE = { call_taker: "接警员", dispatcher: "调度员", unit_staff: "单位人员", leader: "领导",
  admin: "管理员", auditor: "审计员", channel: "渠道服务账号" };
LD.CHANGE = { user_created: "新建用户", user_active: "启用/停用", password_reset: "重置密码",
  unlocked: "解除锁定", roster: "值班安排", limits: "派单时限" };

const say = (text) => { $("admin-msg").textContent = text; };
async function act(fn, ok) {
  try { await fn(); say(ok); await Promise.all([loadUsers(), loadChanges()]); }
  catch (e) { say(`操作失败：${e.message}`); }
}

async function loadUsers() {
  const users = await LD.api("/api/v1/admin/users");
  $("users").replaceChildren(...users.map((u) => {
    const btn = (text, onclick, label) => LD.el("button", { type: "button", text, "aria-label": `${label || text} ${u.username}`, onclick });
    const toggle = u.active
      ? btn("停用", () => act(() => LD.api(`/api/v1/admin/users/${u.id}/disable`, { method: "POST" }), `已停用 ${u.username}`))
      : btn("启用", () => act(() => LD.api(`/api/v1/admin/users/${u.id}/enable`, { method: "POST" }), `已启用 ${u.username}`));
    const pw = LD.el("input", { type: "password", minlength: "8", size: "10", placeholder: "新密码",
      "aria-label": `${u.username} 的新密码`, autocomplete: "new-password" });
    const reset = btn("重置密码", () => act(() => LD.api(`/api/v1/admin/users/${u.id}/password`,
      { json: { password: pw.value } }), `已重置 ${u.username} 的密码`));
    const unlock = btn("解锁", () => act(() => LD.api(`/api/v1/admin/users/${u.id}/unlock`, { method: "POST" }), `已解锁 ${u.username}`));
    return LD.el("tr", { "data-user": u.username }, LD.el("td", { text: u.username }), LD.el("td", { text: u.display_name }),
      LD.el("td", { text: LD.ROLE[u.role] || u.role }), LD.el("td", { text: u.active ? "启用" : "已停用" }),
      LD.el("td", { class: "buttons" }, toggle, pw, reset, unlock));
  }));
}

async function loadRoster(ev) {
  if (ev) ev.preventDefault();
  const r = await LD.api(`/api/v1/admin/roster?unit_id=${$("roster-unit").value}&day=${$("roster-day").value}`);
  const current = r.override_person_id ?? r.rotation_person_id;
  $("roster-title").textContent = `${r.unit} · ${r.day} 值班人员（${r.override_person_id ? "已人工安排" : "按轮值"}）`;
  $("roster-list").replaceChildren(...r.people.filter((p) => p.takes_duty).map((p) => LD.el("label", { class: "wide" },
    LD.el("input", { type: "radio", name: "duty", value: p.id, checked: p.id === current ? "" : false }),
    ` ${p.name}${p.title ? "（" + p.title + "）" : ""}${p.id === r.rotation_person_id ? " · 轮值" : ""}`)));
  $("roster-people").hidden = false;
}

async function saveRoster() {
  const chosen = document.querySelector("#roster-list input[name=duty]:checked");
  if (!chosen) { say("请选择值班人员"); return; }
  await act(() => LD.api("/api/v1/admin/roster", { method: "PUT", json: { unit_id: Number($("roster-unit").value),
    day: $("roster-day").value, person_id: Number(chosen.value) } }), "值班安排已保存");
  await loadRoster();
}

async function loadRules() {
  const rules = await LD.api("/api/v1/admin/catalogue");
  $("rules").replaceChildren(...rules.map((r) => {
    const ack = LD.el("input", { value: r.ack, size: "14", "aria-label": `${r.id} 签收时限` });
    const done = LD.el("input", { value: r.done, size: "14", "aria-label": `${r.id} 办结时限` });
    const save = LD.el("button", { type: "button", text: "保存", "aria-label": `保存 ${r.id} 时限`, onclick: () =>
      act(() => LD.api(`/api/v1/admin/catalogue/${encodeURIComponent(r.id)}`, { method: "PUT", json: { ack: ack.value, done: done.value } }),
        `已更新 ${r.id} 时限`).then(loadRules) });
    return LD.el("tr", { "data-rule": r.id }, LD.el("td", { text: r.id }),
      LD.el("td", { text: (LD.CATEGORY[r.category] || r.category) + (r.subtype ? ` / ${r.subtype}` : "") }),
      LD.el("td", { text: r.lead }), LD.el("td", {}, ack), LD.el("td", {}, done),
      LD.el("td", { text: r.version ? `v${r.version}` : "目录" }), LD.el("td", {}, save));
  }));
}

async function loadChanges() {
  const changes = await LD.api("/api/v1/admin/changes");
  $("changes").replaceChildren(...changes.map((c) => {
    const undo = c.undoable ? LD.el("button", { type: "button", text: "撤销", "aria-label": `撤销变更 ${c.id}`, onclick: () =>
      act(() => LD.api(`/api/v1/admin/changes/${c.id}/undo`, { method: "POST" }), `已撤销变更 ${c.id}`).then(loadRules) }) : "";
    return LD.el("li", { "data-change": c.id }, LD.el("time", { datetime: c.at, text: LD.fmtTime(c.at) }), " ",
      LD.el("span", { class: "tl-kind", text: LD.CHANGE[c.kind] || c.kind }), ` ${c.target} · ${c.actor}`,
      c.undoes ? ` （撤销 #${c.undoes}）` : "", " ", LD.el("code", { text: `${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}` }), " ", undo);
  }));
}

LD.boot(async () => {
  A.units = await LD.api("/api/v1/desk/units");
  const opts = A.units.map((u) => LD.el("option", { value: u.id, text: u.name }));
  $("roster-unit").replaceChildren(...opts);
  $("new-unit").append(...A.units.map((u) => LD.el("option", { value: u.id, text: u.name })));
  $("new-role").replaceChildren(...Object.entries(LD.ROLE).map(([v, t]) => LD.el("option", { value: v, text: t })));
  const tomorrow = new Date(Date.now() + 86400000);
  $("roster-day").value = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, "0")}-${String(tomorrow.getDate()).padStart(2, "0")}`;
  $("roster-form").addEventListener("submit", (ev) => loadRoster(ev).catch((e) => say(e.message)));
  $("roster-save").addEventListener("click", saveRoster);
  $("new-user").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = Object.fromEntries(new FormData(ev.target));
    f.unit_id = f.unit_id ? Number(f.unit_id) : null;
    act(() => LD.api("/api/v1/admin/users", { json: f }), `已创建用户 ${f.username}`).then(() => ev.target.reset());
  });
  await Promise.all([loadUsers(), loadRules(), loadChanges()]);
});
