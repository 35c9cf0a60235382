"""The acknowledgement link a work message carries (``确认收到``): opened in WeCom's
browser, it acknowledges the notice. Authenticated by its own HMAC token, not a
staff login (the person may never have logged in to the platform)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from core.delivery.service import DeliveryService
from core.deps import state

router = APIRouter(prefix="/channels/delivery", tags=["channels"])
Delivery = Annotated[DeliveryService, Depends(state("delivery"))]

PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>确认收到</title><body style="font:18px sans-serif;padding:2em">
<h1>已确认收到</h1><p>{text}</p></body></html>"""


@router.get("/ack", response_class=HTMLResponse, summary="Acknowledge a notice by its link")
async def ack_link(
    svc: Delivery,
    d: Annotated[int, Query(ge=1)],
    t: Annotated[str, Query(min_length=8, max_length=64)],
) -> HTMLResponse:
    svc.check_token(d, t)
    first = await svc.acknowledge(d, "link", by="wecom-link")
    note = "感谢确认，督办中心已记录。" if first else "此通知此前已确认。"
    return HTMLResponse(PAGE.format(text=note))
