// The audit-log viewer for auditors and admins (审计 / 纪检监察): GET /api/v1/audit.
"use strict";
const PAGE = 50;
let offset = 0;

function query(extra = {}) {
  const form = new FormData($("filters"));
  const q = new URLSearchParams();
  for (const [k, v] of form.entries()) {
    if (!v) continue;
    // datetime-local has no zone: the browser's local time, sent as UTC.
    q.set(k, k === "since" || k === "until" ? new Date(v).toISOString() : v);
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q;
}

async function load() {
  const page = await LD.api(`/api/v1/audit?${query({ limit: PAGE, offset })}`);
  const body = $("rows").tBodies[0];
  body.replaceChildren(...page.items.map((e) => LD.el("tr", {},
    LD.el("td", { text: LD.fmtTime(e.at) }),
    LD.el("td", { text: e.actor }),
    LD.el("td", { text: e.action }),
    LD.el("td", { text: e.target || "" }),
    LD.el("td", { text: e.address || "" }),
    LD.el("td", { class: "details", text: JSON.stringify(e.details) }))));
  const last = Math.min(offset + PAGE, page.total);
  $("summary").textContent = page.total ? `共 ${page.total} 条，第 ${offset + 1}–${last} 条` : "没有符合条件的记录";
  $("prev").disabled = offset === 0;
  $("next").disabled = last >= page.total;
  $("export").href = `/api/v1/audit?${query({ format: "csv" })}`;
}

LD.boot(async () => {
  $("filters").addEventListener("submit", (ev) => { ev.preventDefault(); offset = 0; load().catch(show); });
  $("prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load().catch(show); });
  $("next").addEventListener("click", () => { offset += PAGE; load().catch(show); });
  await load().catch(show);
});

function show(e) {
  $("summary").textContent = e.status === 403 ? "只有审计员和管理员可以查看审计日志" : `加载失败：${e.message}`;
}
