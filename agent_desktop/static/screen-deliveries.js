// Big screen: staff notices and replies no channel could carry or nobody acknowledged
// (GET /api/v1/deliveries/flagged): someone must phone these people. Refreshed every 3 s.
"use strict";
LD.flagged = {};
LD.flagged.PURPOSE = { reply: "答复", notice: "通知", rating: "评价邀请", reminder: "催办", ladder_step: "督办" };

LD.flagged.refresh = async function () {
  try {
    const r = await LD.api("/api/v1/deliveries/flagged");
    $("flagged-notices").replaceChildren(...r.items.slice(0, 8).map((d) => LD.el("tr", {},
      LD.el("td", { text: d.case_number || "–" }),
      LD.el("td", { text: `${LD.flagged.PURPOSE[d.purpose] || d.purpose} → ${d.recipient_name}` }),
      LD.el("td", { text: d.channels.length ? "未确认" : "无可用渠道" }))));
    $("flagged-box").hidden = !r.items.length;
  } catch (e) { $("flagged-box").hidden = true; }
};

// screen.js owns the login (LD.boot); this list starts once someone is logged in.
setInterval(() => { if (LD.me) LD.flagged.refresh(); }, 3000);
