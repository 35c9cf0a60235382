// 可能重复 and 拆单 in the case panel: reports that may be the same event as this case
// (never merged automatically: their locations are too coarse, or a caller was on the
// line) with one click to merge, "不是重复" to stop suggesting, and the cases merged
// into this one with 拆单 to undo the merge. Hooked into desk.js through LD.caseHooks.
"use strict";
LD.dup = {};

LD.dup.render = function (panel, related) {
  const box = $("dup-box"), list = $("dup-list"), merged = $("merged-list");
  list.replaceChildren(); merged.replaceChildren();
  const here = panel.case.number;
  for (const d of related.possible_duplicates) {
    const into = d.merge_into, from = d.merge_from;
    const li = LD.el("li", { class: "dup" },
      LD.el("b", { text: d.case_number }), ` ${LD.STATE[d.state] || d.state} · ${LD.CATEGORY[d.category] || ""} · `,
      LD.el("span", { text: d.summary }), LD.el("br"), LD.el("small", { class: "hint", text: d.reason }));
    const merge = LD.el("button", { text: from === here ? `并入 ${into}` : `把 ${from} 并入本单`,
      title: "确认是同一事件：一键并单（记入工单日志）" });
    merge.dataset.from = from; merge.dataset.into = into;
    merge.addEventListener("click", () => LD.dup.merge(from, into, d.reason));
    const no = LD.el("button", { text: "不是重复", title: "不再提示这一对工单" });
    no.addEventListener("click", () => LD.dup.dismiss(d.link_id));
    li.append(" ", merge, " ", no);
    list.append(li);
  }
  for (const m of related.merged_here) {
    const li = LD.el("li", {}, LD.el("b", { text: m.case_number }), ` ${LD.CATEGORY[m.category] || ""} · `,
      LD.el("span", { text: m.summary }));
    const split = LD.el("button", { text: "拆单", title: "并错了：撤销并单，该工单回到待处理队列" });
    split.dataset.split = m.case_number;
    split.addEventListener("click", () => LD.dup.split(m.case_number));
    li.append(" ", split);
    merged.append(li);
  }
  $("dup-section").hidden = !related.possible_duplicates.length;
  $("merged-section").hidden = !related.merged_here.length;
  box.hidden = !related.possible_duplicates.length && !related.merged_here.length;
};

LD.dup.load = async function (panel) {
  try {
    LD.dup.render(panel, await LD.api(`/api/v1/triage/cases/${panel.case.number}/related`));
  } catch (e) {
    $("dup-box").hidden = true;  // a unit account without triage rights: nothing to show
  }
};

LD.dup.after = async function (msg, open) {
  $("case-msg").textContent = msg;
  if (typeof openCase === "function") await openCase(open);
};

LD.dup.merge = async function (from, into, reason) {
  try {
    await LD.api(`/api/v1/cases/${from}/actions/merge`, { json: { into, reason: `人工并单（${reason}）`.slice(0, 2000) } });
    await LD.dup.after(`已将 ${from} 并入 ${into}`, into);
  } catch (e) { $("case-msg").textContent = `并单失败：${e.message}`; }
};

LD.dup.dismiss = async function (linkId) {
  try {
    await LD.api(`/api/v1/triage/links/${linkId}/dismiss`, { method: "POST" });
    $("case-msg").textContent = "已标记为不是重复";
    if (S.current) await LD.dup.load(S.current);
  } catch (e) { $("case-msg").textContent = e.message; }
};

LD.dup.split = async function (number) {
  const reason = window.prompt(`拆单原因（${number} 将回到待处理队列）`, "并单有误，不是同一事件");
  if (!reason || !reason.trim()) return;
  try {
    await LD.api(`/api/v1/cases/${number}/actions/split`, { json: { reason } });
    await LD.dup.after(`已拆单：${number} 回到待处理队列`, S.current ? S.current.case.number : number);
  } catch (e) { $("case-msg").textContent = `拆单失败：${e.message}`; }
};

LD.caseHooks = LD.caseHooks || [];
LD.caseHooks.push(LD.dup.load);
