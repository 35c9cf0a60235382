"""Passive replies (被动回复) and the fixed texts citizens see."""

from __future__ import annotations

WELCOME = (
    "您好，这里是黔西市110社会联动中心。直接发送文字、语音、图片或位置即可报警求助，"
    "我们会给您工单编号；回复“查询”可查进度。紧急情况请直接拨打110。"
)
REPORT_GUIDE = (
    "请直接发送文字或语音说明发生了什么，并发送位置（点“+”选“位置”），"
    "有照片请一并发送。紧急情况请直接拨打110、119或120。"
)
EVALUATE_GUIDE = (
    "请直接回复数字评价最近办结的工单：1 满意，2 基本满意，3 不满意；"
    "也可回复“评价 工单编号 1”评价指定工单。"
)
UNSUPPORTED = "暂不支持这种消息，请发送文字、语音、图片或位置。"


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """The passive text reply XML: addressed back to the sender, from our account."""
    return (
        "<xml>"
        f"<ToUserName>{_cdata(to_user)}</ToUserName>"
        f"<FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )
