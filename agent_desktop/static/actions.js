// Every case action on screen (issue 15): 改派 with a reason, 退单 review (reject: the
// same unit again; accept: 改派), close / reopen with reasons, call a missed caller
// back in one click, and transfer / three-way to any unit of the catalogue with a
// phone. Builds its own block in the case panel; hooked in through LD.caseHooks.
"use strict";
LD.act = { units: null };

LD.act.mount = function () {
  const unitSel = LD.el("select", { id: "a-unit", "aria-label": "改派至单位" });
  const reason = LD.el("input", { id: "a-reason", maxlength: "2000", size: "30",
    placeholder: "理由（改派、退单审核、结案、重办必填）", "aria-label": "操作理由" });
  const button = (id, text, title) => LD.el("button", { id, type: "button", text, title });
  const box = LD.el("div", { id: "actions-box", class: "actions-box" },
    LD.el("h3", { text: "工单操作" }),
    LD.el("p", { id: "a-returned", class: "returned", hidden: "" }),
    LD.el("div", { class: "buttons" }, LD.el("label", {}, "单位 ", unitSel), reason),
    LD.el("div", { class: "buttons" },
      button("a-reassign", "改派", "改派给所选单位（记入工单日志）"),
      button("a-reject", "驳回退单", "退单理由不成立：原单位重新办理"),
      button("a-close", "结案", "办结或评价后结案"),
      button("a-reopen", "重办", "重新交办原主办单位"),
      button("a-callback", "回拨来电人", "先振铃本坐席话机，接起后呼叫群众")),
    LD.el("p", { id: "a-msg", role: "status", class: "small" }));
  $("case-msg").before(box);
  $("a-reassign").addEventListener("click", () => LD.act.run("reassign", { lead_unit_id: Number(unitSel.value) }));
  $("a-reject").addEventListener("click", () => LD.act.run("dispatch", { lead_unit_id: LD.act.returned.unit_id }));
  $("a-close").addEventListener("click", () => LD.act.run("close", {}));
  $("a-reopen").addEventListener("click", () => LD.act.run("reopen", {}));
  $("a-callback").addEventListener("click", LD.act.callback);
};

LD.act.run = async function (action, body) {
  const c = S.current.case, typed = $("a-reason").value.trim();
  if (!typed) { $("a-msg").textContent = "请填写理由"; $("a-reason").focus(); return; }
  const reason = action === "dispatch" ? `驳回退单：${typed}` : typed;
  try {
    await LD.api(`/api/v1/cases/${c.number}/actions/${action}`,
      { json: Object.assign({ reason, expected_version: c.version }, body) });
    $("a-reason").value = "";
    await openCase(c.number);
    $("a-msg").textContent = `已${{ reassign: "改派", dispatch: "驳回退单，原单位重办", close: "结案", reopen: "重办" }[action]}`;
  } catch (e) { $("a-msg").textContent = `操作失败：${e.message}`; }
};

LD.act.callback = async function () {
  const first = S.current.case.contacts[0];
  if (!seat()) { $("a-msg").textContent = "请先在“设置”中填写坐席号"; return; }
  try {
    await LD.api("/api/v1/calls/callback", { json: { contact_id: first.id, seat: seat() } });
    $("a-msg").textContent = `正在回拨：先振铃坐席 ${seat()}，接起后呼叫群众`;
  } catch (e) { $("a-msg").textContent = `回拨失败：${e.message}`; }
};

LD.act.targets = async function () {
  // Every catalogue unit with a phone joins 公安/消防/120 as a transfer target.
  const sel = $("transfer-target");
  if (sel.dataset.units) return;
  const targets = await LD.api("/api/v1/console/transfer-targets").catch(() => []);
  const group = LD.el("optgroup", { label: "联动单位" },
    ...targets.map((t) => LD.el("option", { value: t.target, text: `${t.name} ${t.phone}` })));
  sel.append(group); sel.dataset.units = String(targets.length);
};

LD.act.load = async function (panel) {
  const perms = LD.me.user.perms, c = panel.case, allowed = new Set(c.allowed_actions);
  $("actions-box").hidden = !perms.includes("cases:supervise") && !perms.includes("cases:triage");
  if (!LD.act.units) LD.act.units = await LD.api("/api/v1/desk/units").catch(() => []);
  const sel = $("a-unit");
  if (!sel.options.length) sel.append(...LD.act.units.map((u) => LD.el("option", { value: u.id, text: u.name })));
  const returned = [...c.instructions].reverse().find((i) => i.state === "returned" && i.role === "lead");
  LD.act.returned = c.state === "returned" ? returned : null;
  $("a-returned").hidden = !LD.act.returned;
  if (LD.act.returned) $("a-returned").textContent = `退单审核：${returned.unit_name} 退回，理由：${returned.reason || "（未写）"}`;
  const can = (p, a) => perms.includes(p) && allowed.has(a);
  $("a-reassign").disabled = !can("cases:supervise", "reassign");
  $("a-reject").hidden = !LD.act.returned; $("a-reject").disabled = !perms.includes("cases:triage");
  $("a-close").disabled = !can("cases:supervise", "close");
  $("a-reopen").disabled = !can("cases:supervise", "reopen");
  const first = c.contacts[0];
  $("a-callback").hidden = !first || first.channel !== "phone" || !perms.includes("cases:triage");
  if (perms.includes("cases:triage")) await LD.act.targets();
};

LD.act.mount();
LD.caseHooks = LD.caseHooks || [];
LD.caseHooks.push(LD.act.load);
