"""A small typed client for the Weibo open API (OAuth2 over HTTPS, JSON).

There is no maintained Python SDK. Endpoints used (API v2):
- ``GET /2/statuses/mentions.json`` → ``{"statuses": [...]}`` posts that @ us
- ``GET /2/comments/to_me.json`` → ``{"comments": [...]}`` comments on our posts
  (both take ``since_id`` — return only newer — and ``count``)
- ``POST /2/comments/create.json`` (id, comment) / ``/2/comments/reply.json`` (cid, id, comment)
- ``POST {message_api}/2/messages/reply.json`` (type=text, data=JSON, receiver_id):
  the fan-service platform's reply to a private message
Errors come back as ``{"error", "error_code", "request"}`` (e.g. 21327 token expired).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from channels.weibo.errors import WeiboApiError
from channels.weibo.models import Feed, WeiboItem
from channels.weibo.settings import WeiboSettings


def _user(obj: dict[str, Any]) -> tuple[str, str | None]:
    user = obj.get("user") or {}
    return str(user.get("idstr") or user.get("id") or ""), user.get("screen_name")


def _geo(obj: dict[str, Any]) -> tuple[float | None, float | None]:
    coords = (obj.get("geo") or {}).get("coordinates")
    if isinstance(coords, list) and len(coords) == 2:
        try:
            return float(coords[0]), float(coords[1])  # Weibo: [lat, lon]
        except (TypeError, ValueError):
            return None, None
    return None, None


class WeiboClient:
    def __init__(self, settings: WeiboSettings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self._http = httpx.AsyncClient(timeout=settings.timeout_s, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, url: str, **kw: Any) -> dict[str, Any]:
        token = self.settings.access_token.get_secret_value()
        try:
            if method == "GET":
                r = await self._http.get(url, params={**kw, "access_token": token})
            else:
                r = await self._http.post(url, data={**kw, "access_token": token})
            body = r.json()
        except httpx.HTTPError as exc:
            raise WeiboApiError("微博接口不可达", details={"error": type(exc).__name__}) from exc
        except ValueError as exc:
            raise WeiboApiError("微博接口返回非 JSON", details={"status": r.status_code}) from exc
        if not isinstance(body, dict):
            raise WeiboApiError("微博接口返回格式错误")
        if "error_code" in body or r.status_code >= 400:
            raise WeiboApiError(
                f"微博接口错误 {body.get('error_code')}",
                details={"error_code": body.get("error_code"), "error": str(body.get("error"))},
            )
        return body

    async def mentions(self, since_id: str | None) -> list[WeiboItem]:
        body = await self._call(
            "GET",
            f"{self.settings.api_base}/2/statuses/mentions.json",
            since_id=since_id or "0",
            count=self.settings.page_size,
        )
        out = []
        for s in body.get("statuses") or []:
            uid, name = _user(s)
            lat, lon = _geo(s)
            sid = str(s.get("idstr") or s.get("id"))
            out.append(
                WeiboItem(Feed.mentions, sid, uid, name, str(s.get("text", "")), sid, lat, lon)
            )
        return out

    async def comments_to_me(self, since_id: str | None) -> list[WeiboItem]:
        body = await self._call(
            "GET",
            f"{self.settings.api_base}/2/comments/to_me.json",
            since_id=since_id or "0",
            count=self.settings.page_size,
        )
        out = []
        for cm in body.get("comments") or []:
            uid, name = _user(cm)
            status = cm.get("status") or {}
            out.append(
                WeiboItem(
                    Feed.comments,
                    str(cm.get("idstr") or cm.get("id")),
                    uid,
                    name,
                    str(cm.get("text", "")),
                    str(status.get("idstr") or status.get("id") or "") or None,
                )
            )
        return out

    async def comment(self, status_id: str, text: str, reply_to: str | None = None) -> str:
        base = self.settings.api_base
        if reply_to:
            body = await self._call(
                "POST", f"{base}/2/comments/reply.json", cid=reply_to, id=status_id, comment=text
            )
        else:
            body = await self._call(
                "POST", f"{base}/2/comments/create.json", id=status_id, comment=text
            )
        return str(body.get("idstr") or body.get("id") or "")

    async def message(self, uid: str, text: str) -> None:
        await self._call(
            "POST",
            f"{self.settings.message_api_base}/2/messages/reply.json",
            type="text",
            data=json.dumps({"text": text}, ensure_ascii=False),
            receiver_id=uid,
        )
