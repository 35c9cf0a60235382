// Unit portal: a unit's instructions — 签收, 处置进展 (with photos), 办结, 退单.
"use strict";
const ACTIONS = {
  sent: [["acknowledge", "签收"], ["return", "退单"]],
  acknowledged: [["start", "开始处置"], ["progress", "进展"], ["complete", "办结"], ["return", "退单"]],
  in_progress: [["progress", "进展"], ["complete", "办结"], ["return", "退单"]],
};

function card(i) {
  const due = i.state === "sent" ? i.ack_deadline : i.done_deadline;
  const div = LD.el("div", { class: `card${i.overdue ? " overdue" : ""}`, "data-case": i.case_number });
  div.append(
    LD.el("div", {}, LD.el("b", { text: i.case_number }), " ",
      LD.el("span", { class: "badge", text: LD.STATE[i.state] || i.state }), " ",
      i.emergency ? LD.el("span", { class: "badge down", text: "紧急" }) : "",
      i.overdue ? LD.el("span", { class: "badge down", text: "已超时" }) : ""),
    LD.el("p", { text: i.case_summary }),
    LD.el("p", { class: "small", text: `${i.role === "lead" ? "主办" : "协办"} · ${i.unit_name} · ${LD.CATEGORY[i.category] || ""} · ${i.state === "sent" ? "签收" : "办结"}期限 ${LD.fmtTime(due)}` }),
  );
  const acts = LD.el("div", { class: "actions" });
  for (const [a, label] of ACTIONS[i.state] || []) {
    acts.append(LD.el("button", { text: label, "data-action": a, onclick: () => act(i, a, label) }));
  }
  div.append(acts);
  return div;
}

function ask(title, { photos = false } = {}) {
  return new Promise((resolve) => {
    const d = $("report"), f = $("report-form");
    f.reset(); $("report-title").textContent = title; $("photo-row").hidden = !photos;
    d.onclose = () => resolve(d.returnValue === "ok" ? new FormData(f) : null);
    d.showModal();
  });
}

async function act(i, action, label) {
  $("msg").textContent = "";
  try {
    if (action === "progress") {
      const form = await ask(`${i.case_number} 处置进展`, { photos: true }); if (!form) return;
      if (!form.get("photos")?.size) form.delete("photos");
      await LD.api(`/api/v1/desk/cases/${i.case_number}/progress`, { method: "POST", body: form });
    } else if (action === "return" || action === "complete") {
      const form = await ask(`${i.case_number} ${label}${action === "return" ? "（请写明理由）" : "（办理结果）"}`); if (!form) return;
      const text = form.get("note");
      await LD.api(`/api/v1/cases/${i.case_number}/actions/${action}`, { json: action === "return" ? { reason: text } : { note: text } });
    } else {
      await LD.api(`/api/v1/cases/${i.case_number}/actions/${action}`, { json: {} });
    }
    $("msg").textContent = `${i.case_number} ${label}成功`;
  } catch (e) { $("msg").textContent = `${label}失败：${e.message}`; }
  await load();
}

async function load() {
  const list = await LD.api("/api/v1/instructions");
  $("count").textContent = `共 ${list.length} 条`;
  $("list").replaceChildren(...(list.length ? list.map(card) : [LD.el("p", { text: "暂无待办指令" })]));
  const esc = await LD.api("/api/v1/escalations?min_level=1").catch(() => []);
  const late = list.filter((i) => i.overdue);
  const rows = [...late.map((i) => `${i.case_number} ${i.unit_name} 已超时（${LD.STATE[i.state]}）`),
    ...esc.map((e) => `${e.case_number} ${e.unit_name} 督办：${e.level_label}`)];
  $("overdue").replaceChildren(...(rows.length ? rows.map((t) => LD.el("p", { class: "error", text: t })) : [LD.el("p", { text: "没有超时或督办的指令" })]));
  window.portalLoaded = (window.portalLoaded || 0) + 1;
}

LD.boot(async () => {
  await load();
  let t = null;
  LD.feed({
    hello: () => { $("feed-state").textContent = "实时"; $("feed-state").className = "badge ok"; },
    instructions: () => { clearTimeout(t); t = setTimeout(load, 100); },
    disconnected: () => { $("feed-state").textContent = "重连中"; $("feed-state").className = "badge degraded"; },
  });
});
