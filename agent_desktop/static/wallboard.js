"use strict";
// 话务 figures on the big screen (issue 16): calls waiting, the longest wait, seats by
// state, service level (15 s), ASA, abandon rate, AHT — GET /api/v1/wallboard, last hour.
(function () {
  const LABEL = { ready: "就绪", not_ready: "示忙", on_call: "通话中", wrap_up: "话后处理" };
  const pct = (x) => (x == null ? "–" : `${Math.round(x * 1000) / 10}%`);
  const sec = (x) => (x == null ? "–" : `${Math.round(x)}秒`);
  const kpi = (id, label) => LD.el("div", { class: "kpi" }, label, LD.el("b", { id, text: "–" }));
  const panel = LD.el("section", { class: "kpis", id: "wallboard" },
    kpi("w-waiting", "排队来电"), kpi("w-longest", "最长等待"), kpi("w-sl", "15秒接通率"),
    kpi("w-asa", "平均应答"), kpi("w-abandon", "放弃率"), kpi("w-aht", "平均处理时长"),
    kpi("w-agents", "坐席"));

  async function refresh() {
    if (!document.getElementById("wallboard")) return;
    try {
      const w = await LD.api("/api/v1/wallboard");
      const set = (id, text) => { document.getElementById(id).textContent = text; };
      set("w-waiting", String(w.calls_waiting));
      set("w-longest", sec(w.longest_wait_s));
      set("w-sl", pct(w.service_level_15s));
      set("w-asa", sec(w.asa_s));
      set("w-abandon", pct(w.abandon_rate));
      set("w-aht", sec(w.aht_s));
      set("w-agents", Object.entries(w.agents).map(([k, n]) => `${LABEL[k] || k}${n}`).join(" ") || "无人签入");
      window.wallboardRefreshed = (window.wallboardRefreshed || 0) + 1;
    } catch (e) { /* not logged in yet, or no stats:read: the next round tries again */ }
  }
  function mount() {
    const kpis = document.querySelector("section.kpis");
    if (!kpis || document.getElementById("wallboard")) return;
    kpis.after(panel);
    refresh();
    setInterval(refresh, 5000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
