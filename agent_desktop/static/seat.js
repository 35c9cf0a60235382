"use strict";
// 坐席状态 on the call-taker console (issue 16): 就绪 / 示忙 (with a reason) / 签出 at the
// seat set in ⚙ 设置. 就绪 means calls ring the seat phone by themselves. The state is
// read from GET /api/v1/seats every few seconds (one small read; the desk's live feed
// also carries "seat" events, which refresh it at once).
(function () {
  const LABEL = { ready: "就绪", not_ready: "示忙", on_call: "通话中", wrap_up: "话后处理", signed_out: "签出" };
  const box = LD.el("span", { id: "seat-state-box" });
  const badge = LD.el("span", { id: "seat-state", class: "badge", text: "签出" });
  const reason = LD.el("select", { id: "seat-reason", title: "示忙原因", "aria-label": "示忙原因" },
    ...["休息", "培训", "用餐", "其他"].map((r) => LD.el("option", { value: r, text: r })));
  const btn = (state, text) => LD.el("button", { type: "button", id: `seat-${state}`, "data-state": state, text });
  const buttons = [btn("ready", "就绪"), btn("not_ready", "示忙"), btn("signed_out", "签出")];
  const msg = LD.el("span", { id: "seat-msg", class: "muted" });
  box.append(badge, ...buttons, reason, msg);
  const seatName = () => localStorage.getItem("ld.seat") || "";

  function show(s) {
    badge.textContent = s ? (LABEL[s.state] || s.state) + (s.reason ? `（${s.reason}）` : "") : "签出";
    badge.className = "badge seat-" + (s ? s.state : "signed_out");
  }
  async function refresh() {
    if (!seatName()) { show(null); return; }
    try {
      const all = await LD.api("/api/v1/seats");
      show(all.find((s) => s.seat === seatName()) || null);
    } catch (e) { /* the next refresh tries again */ }
  }
  async function setState(state) {
    msg.textContent = "";
    if (!seatName()) { msg.textContent = "请先在设置中填写坐席号"; return; }
    try {
      const s = await LD.api(`/api/v1/seats/${encodeURIComponent(seatName())}/state`,
        { method: "PUT", json: { state, reason: state === "not_ready" ? reason.value : "" } });
      show(s);
    } catch (e) { msg.textContent = e.message; }
  }
  for (const b of buttons) b.addEventListener("click", () => setState(b.dataset.state));

  function mount() {
    const header = document.querySelector("header");
    const anchor = document.getElementById("seat-label");
    if (!header || !anchor || document.getElementById("seat-state-box")) return;
    anchor.after(box);
    refresh();
    setInterval(refresh, 3000);
  }
  // After login (LD.boot shows #app); the header exists from the start.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
  window.LDSeat = { refresh };
})();
