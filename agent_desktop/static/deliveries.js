// 发送答复 and 消息送达 in the case panel: the reply goes out on each citizen's own
// channel through the delivery service (POST /api/v1/cases/{n}/replies), and every
// message sent about the case is listed with its channel, masked recipient, state and
// attempts (GET /api/v1/cases/{n}/deliveries). Hooked into desk.js through LD.caseHooks.
"use strict";
LD.deliveries = {};

LD.deliveries.PURPOSE = { reply: "答复", notice: "通知", rating: "评价邀请", reminder: "催办", ladder_step: "督办" };
LD.deliveries.STATE = {
  queued: "待发送", sending: "发送中", sent: "已发送", delivered: "已送达",
  acknowledged: "已确认", failed: "发送失败", flagged: "需人工处理",
};
LD.deliveries.CHANNEL = { sms: "短信", wecom: "企业微信", voice: "语音电话", wechat: "微信", weibo: "微博", app: "APP", stb: "机顶盒" };

LD.deliveries.render = function (items) {
  const list = $("delivery-list");
  list.replaceChildren();
  const D = LD.deliveries;
  for (const d of items) {
    const when = new Date(d.updated_at).toLocaleTimeString("zh-CN", { hour12: false });
    list.append(LD.el("li", { class: `delivery ${d.state}` },
      LD.el("b", { text: D.PURPOSE[d.purpose] || d.purpose }),
      ` → ${d.recipient_name} ${d.recipient} · ${D.CHANNEL[d.channel] || "无可用渠道"} · `,
      LD.el("span", { text: D.STATE[d.state] || d.state }),
      ` · ${d.attempts} 次尝试 · ${when}`));
  }
  $("delivery-box").hidden = !items.length;
};

LD.deliveries.load = async function (panel) {
  try {
    const r = await LD.api(`/api/v1/cases/${panel.case.number}/deliveries`);
    LD.deliveries.render(r.items);
  } catch (e) { $("delivery-box").hidden = true; }
};

LD.deliveries.send = async function () {
  const text = $("reply").value;
  if (!S.current || !text.trim()) return;
  try {
    const r = await LD.api(`/api/v1/cases/${S.current.case.number}/replies`, { json: { text } });
    const flagged = r.items.filter((d) => d.state === "flagged").length;
    $("case-msg").textContent = flagged ? `答复已记录；${flagged} 位群众的渠道暂不支持自动发送，请人工联系` : "答复已发送";
    $("reply").value = "";
    await LD.deliveries.load(S.current);
  } catch (e) { $("case-msg").textContent = `答复发送失败：${e.message}`; }
};

LD.caseHooks = LD.caseHooks || [];
LD.caseHooks.push(LD.deliveries.load);
