"""Inbound XML → :class:`WeChatMessage`, with hardened parsing.

wechatpy parses with xmltodict on expat, which resolves no external entities but
accepts a DTD with internal entities (the "billion laughs" shape is bounded only by
the expat version's own amplification guard). We parse with defusedxml instead:
any DTD, entity declaration or external reference is refused before expansion,
and the document must be small and shallow, as every real WeChat push is.
"""

from __future__ import annotations

import math
from dataclasses import replace
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from channels.wechat.errors import WeChatXmlInvalid
from channels.wechat.models import Kind, WeChatMessage

MAX_ELEMENTS = 64
MAX_FIELD = 4096
_KINDS = {k.value: k for k in Kind if k is not Kind.unsupported}


def parse_xml(data: bytes | str) -> dict[str, str]:
    """A flat ``{tag: text}`` of the root's children (nested ones are joined as
    ``Parent.Child``)."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise WeChatXmlInvalid("XML 含有 DTD 或实体声明，已拒绝") from None
    except (ParseError, ValueError, TypeError):
        raise WeChatXmlInvalid("XML 格式错误") from None
    if root.tag != "xml":
        raise WeChatXmlInvalid("根元素必须是 <xml>")
    fields: dict[str, str] = {}
    count = 0

    def walk(el: Element, prefix: str, depth: int) -> None:
        nonlocal count
        for child in el:
            count += 1
            if count > MAX_ELEMENTS or depth > 3:
                raise WeChatXmlInvalid("XML 过大或嵌套过深")
            name = f"{prefix}{child.tag}"
            if len(child):
                walk(child, f"{name}.", depth + 1)
            else:
                text = (child.text or "").strip()
                if len(text) > MAX_FIELD:
                    raise WeChatXmlInvalid(f"字段 {child.tag} 过长")
                fields[name] = text

    walk(root, "", 1)
    return fields


def _int(fields: dict[str, str], name: str, *, required: bool = False) -> int | None:
    raw = fields.get(name)
    if raw is None or raw == "":
        if required:
            raise WeChatXmlInvalid(f"缺少字段 {name}")
        return None
    if not raw.isdigit() or len(raw) > 20:
        raise WeChatXmlInvalid(f"字段 {name} 不是整数")
    return int(raw)


def _float(fields: dict[str, str], name: str, bound: float) -> float:
    try:
        value = float(fields.get(name, ""))
    except ValueError:
        raise WeChatXmlInvalid(f"字段 {name} 不是数字") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise WeChatXmlInvalid(f"字段 {name} 超出范围")
    return value


def _text(fields: dict[str, str], name: str, *, required: bool = False, limit: int = 64) -> str:
    value = fields.get(name, "")
    if required and not value:
        raise WeChatXmlInvalid(f"缺少字段 {name}")
    if len(value) > limit:
        raise WeChatXmlInvalid(f"字段 {name} 过长")
    return value


def to_message(fields: dict[str, str]) -> WeChatMessage:
    msg_type = _text(fields, "MsgType", required=True, limit=32).lower()
    kind = _KINDS.get(msg_type, Kind.unsupported)
    base = WeChatMessage(
        kind=kind,
        msg_type=msg_type,
        to_user=_text(fields, "ToUserName", required=True),
        from_user=_text(fields, "FromUserName", required=True),
        create_time=_int(fields, "CreateTime", required=True) or 0,
        msg_id=_int(fields, "MsgId"),
    )
    if kind is Kind.text:
        return replace(base, content=_text(fields, "Content", limit=MAX_FIELD))
    if kind is Kind.voice:
        return replace(
            base,
            media_id=_text(fields, "MediaId", required=True, limit=256),
            voice_format=_text(fields, "Format", limit=16) or None,
            recognition=_text(fields, "Recognition", limit=MAX_FIELD) or None,
        )
    if kind is Kind.image:
        return replace(
            base,
            media_id=_text(fields, "MediaId", required=True, limit=256),
            pic_url=_text(fields, "PicUrl", limit=500) or None,
        )
    if kind is Kind.location:
        # WeChat names them oddly: Location_X is the latitude, Location_Y the longitude.
        return replace(
            base,
            lat=_float(fields, "Location_X", 90),
            lon=_float(fields, "Location_Y", 180),
            scale=_int(fields, "Scale"),
            label=_text(fields, "Label", limit=200) or None,
        )
    if kind is Kind.event:
        return replace(
            base,
            event=_text(fields, "Event", required=True, limit=64).lower(),
            event_key=_text(fields, "EventKey", limit=256) or None,
        )
    return base


def parse_message(data: bytes | str) -> WeChatMessage:
    return to_message(parse_xml(data))
