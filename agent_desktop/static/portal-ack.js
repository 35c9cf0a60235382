// Unit portal: opening it acknowledges the reminders and ladder steps sent to this unit
// and its people (POST /api/v1/deliveries/ack-unit), so the notice chain stops phoning
// them. portal.js owns the login (LD.boot); this runs once someone is logged in.
"use strict";
LD.portalAck = { done: false };
LD.portalAck.tick = async function () {
  if (!LD.me || LD.portalAck.done) return;
  LD.portalAck.done = true;
  try {
    const r = await LD.api("/api/v1/deliveries/ack-unit", { method: "POST" });
    if (r.acknowledged) document.title = `已确认 ${r.acknowledged} 条督办通知 · ${document.title}`;
  } catch (e) { LD.portalAck.done = false; }
};
setInterval(LD.portalAck.tick, 1000);
