// Report downloads on the big screen (issue 15): last month's notice (月度通报) and this
// quarter's assessment as XLSX (native charts) and PDF, for roles with reports:read.
// Shown once the page's login has finished (the #app section stops being hidden).
"use strict";
LD.reportLinks = function () {
  const nav = $("report-links");
  if (!LD.me || !LD.me.user.perms.includes("reports:read")) { nav.hidden = true; return; }
  const now = new Date();
  const last = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  const month = `${last.getFullYear()}-${String(last.getMonth() + 1).padStart(2, "0")}`;
  const quarter = `${now.getFullYear()}-Q${Math.floor(now.getMonth() / 3) + 1}`;
  const link = (kind, period, fmt, text) => LD.el("a", { class: "button", download: "",
    href: `/api/v1/reports/${kind}?period=${period}&format=${fmt}`, text });
  nav.replaceChildren(LD.el("span", { text: "报表下载：" }),
    link("monthly", month, "xlsx", `${month} 月度通报 XLSX`), link("monthly", month, "pdf", "PDF"),
    link("quarterly", quarter, "xlsx", `${quarter} 季度考核 XLSX`), link("quarterly", quarter, "pdf", "PDF"));
  nav.hidden = false;
};
new MutationObserver(() => { if (!$("app").hidden) LD.reportLinks(); })
  .observe($("app"), { attributes: true, attributeFilter: ["hidden"] });
