// Case search and the case timeline on the console (issue 15). Builds its own DOM
// (the search form above the queue, the timeline in the case panel) so that
// index.html only loads this file; hooked into desk.js through LD.caseHooks.
// Shortcut: F focuses the search box.
"use strict";
LD.search = { offset: 0, limit: 20, total: 0, current: new URLSearchParams() };

LD.TIMELINE_KIND = {
  contact: "来电/留言", transcript: "录音转写", created: "受理", classification: "分类",
  take: "认领", instruction: "派单", reassign: "改派", acknowledge: "签收", start: "处置",
  return: "退单", complete: "办结", resolve: "直接办结", rating: "评价", close: "结案",
  reopen: "重办", merge: "并单", split: "拆单", call: "通话", missed_call: "漏接",
  duplicate: "可能重复", delivery: "送达", reminder: "催办", escalation: "督办", note: "备注",
};

LD.search.form = function () {
  const opts = (map, first) => [LD.el("option", { value: "", text: first }),
    ...Object.entries(map).map(([v, t]) => LD.el("option", { value: v, text: t }))];
  const field = (label, input) => LD.el("label", {}, label + " ", input);
  const form = LD.el("form", { id: "search-form", role: "search", "aria-label": "工单查询" },
    field("关键词", LD.el("input", { id: "s-q", name: "q", type: "search", maxlength: "200",
      placeholder: "诉求内容片段（快捷键 F）", "aria-keyshortcuts": "F" })),
    field("工单号", LD.el("input", { name: "number", maxlength: "32", size: "14" })),
    field("来电号码", LD.el("input", { name: "phone", maxlength: "32", size: "12",
      title: "按号码查询会记录审计日志" })),
    field("状态", LD.el("select", { name: "state" }, ...opts(LD.STATE, "全部"))),
    field("类别", LD.el("select", { name: "category" }, ...opts(LD.CATEGORY, "全部"))),
    field("渠道", LD.el("select", { name: "channel" }, ...opts(LD.CHANNEL, "全部"))),
    field("从", LD.el("input", { name: "date_from", type: "date" })),
    field("到", LD.el("input", { name: "date_to", type: "date" })),
    LD.el("label", {}, LD.el("input", { name: "overdue", type: "checkbox", value: "true" }), " 超时"),
    LD.el("label", {}, LD.el("input", { name: "escalated", type: "checkbox", value: "true" }), " 已督办"),
    LD.el("button", { type: "submit", text: "查询" }),
    LD.el("a", { id: "s-csv", class: "button", href: "#", download: "", text: "导出 CSV" }),
    LD.el("a", { id: "s-xlsx", class: "button", href: "#", download: "", text: "导出 XLSX" }));
  return form;
};

LD.search.query = function (form) {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
  return p;
};

LD.search.run = async function (offset) {
  const p = new URLSearchParams(LD.search.current);
  p.set("offset", offset); p.set("limit", LD.search.limit);
  const status = $("s-status");
  status.textContent = "查询中…";
  try {
    const page = await LD.api(`/api/v1/cases/search?${p}`);
    LD.search.offset = offset; LD.search.total = page.total;
    LD.search.render(page);
    const total = page.total_capped ? `超过 ${page.total - 1} 件（请缩小条件）` : `共 ${page.total} 件`;
    status.textContent = (page.total ? `${total}，第 ${offset + 1}–${offset + page.items.length} 件` : "没有符合条件的工单") +
      (page.note ? `（${page.note}）` : "");
  } catch (e) { status.textContent = `查询失败：${e.message}`; }
};

LD.search.render = function (page) {
  const body = $("s-results");
  body.replaceChildren(...page.items.map((it) => {
    const open = LD.el("button", { type: "button", class: "link", text: it.number,
      "aria-label": `打开工单 ${it.number}` });
    open.addEventListener("click", () => openCase(it.number));
    return LD.el("tr", { "data-n": it.number },
      LD.el("td", {}, open), LD.el("td", { text: LD.fmtTime(it.created_at) }),
      LD.el("td", { text: it.state_label }), LD.el("td", { text: LD.CATEGORY[it.category] || "待分类" }),
      LD.el("td", { text: it.township || "" }), LD.el("td", { text: it.phone || "" }),
      LD.el("td", { text: it.summary }));
  }));
  $("s-table").hidden = !page.items.length;
  $("s-prev").disabled = LD.search.offset === 0;
  $("s-next").disabled = LD.search.offset + page.items.length >= page.total;
};

LD.search.mount = function () {
  const form = LD.search.form();
  const table = LD.el("table", { id: "s-table", hidden: "" },
    LD.el("caption", { class: "sr-only", text: "查询结果" }),
    LD.el("thead", {}, LD.el("tr", {}, ...["工单号", "受理时间", "状态", "类别", "乡镇", "来电", "摘要"]
      .map((h) => LD.el("th", { scope: "col", text: h })))),
    LD.el("tbody", { id: "s-results" }));
  const prev = LD.el("button", { id: "s-prev", type: "button", text: "上一页", disabled: "" });
  const next = LD.el("button", { id: "s-next", type: "button", text: "下一页", disabled: "" });
  prev.addEventListener("click", () => LD.search.run(Math.max(0, LD.search.offset - LD.search.limit)));
  next.addEventListener("click", () => LD.search.run(LD.search.offset + LD.search.limit));
  const box = LD.el("details", { id: "search-box", class: "search-box" },
    LD.el("summary", { text: "工单查询" }), form,
    LD.el("p", { id: "s-status", role: "status", class: "small" }), LD.el("div", { class: "scroll-s" }, table),
    LD.el("div", { class: "buttons" }, prev, next));
  $("queue-box").prepend(box);
  const exportLinks = () => {
    for (const fmt of ["csv", "xlsx"]) {
      const p = LD.search.query(form); p.set("format", fmt);
      $(`s-${fmt}`).href = `/api/v1/cases/search/export?${p}`;
    }
  };
  form.addEventListener("input", exportLinks); form.addEventListener("change", exportLinks);
  exportLinks();
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    LD.search.current = LD.search.query(form);
    LD.search.run(0);
  });
  document.addEventListener("keydown", (ev) => {
    if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key.toLowerCase() === "f") { ev.preventDefault(); box.open = true; $("s-q").focus(); }
  });
};

// ---- the case timeline ------------------------------------------------------
LD.timeline = {};
LD.timeline.mount = function () {
  const box = LD.el("div", { id: "timeline-box", class: "timeline-box" },
    LD.el("h3", { id: "timeline-title", text: "工单时间线" }),
    LD.el("ol", { id: "timeline", class: "timeline", "aria-labelledby": "timeline-title" }));
  $("case-msg").before(box);
};
LD.timeline.load = async function (panel) {
  const list = $("timeline");
  try {
    const t = await LD.api(`/api/v1/cases/${panel.case.number}/timeline`);
    list.replaceChildren(...t.items.map((it) => LD.el("li", { class: `tl-${it.kind}` },
      LD.el("time", { datetime: it.at, text: LD.fmtTime(it.at) }), " ",
      LD.el("span", { class: "tl-kind", text: LD.TIMELINE_KIND[it.kind] || it.kind }), " ",
      LD.el("span", { class: "tl-text", text: it.text }),
      it.actor ? LD.el("small", { class: "hint", text: ` · ${it.actor}` }) : "")));
  } catch (e) { list.replaceChildren(LD.el("li", { text: `时间线加载失败：${e.message}` })); }
};

LD.search.mount();
LD.timeline.mount();
LD.caseHooks = LD.caseHooks || [];
LD.caseHooks.push(LD.timeline.load);
