"""The IVR's Mandarin prompts: file name → what is said, in characters and in pinyin.

Like ``prompts.hotline`` (``prompts.models`` says why espeak-ng is given pinyin, not characters),
generated at ``liandong asterisk setup`` (``prompts.synth``) into the same sounds
directory, ``sounds/zh/liandong/<name>.wav``; a recorded file of the same name
replaces the synthetic one and is never overwritten.

Digits are spoken by Asterisk's ``SAY DIGITS``, which plays ``digits/<n>`` in the
channel's language: our Mandarin digits are generated into ``sounds/zh/digits/``, so
a case number is read out in Mandarin (1 as 幺, the way numbers are read on the phone).
"""

from __future__ import annotations

from core.cases.models import CaseState
from prompts.hotline import PROMPTS as TELEPHONY_PROMPTS
from prompts.models import Prompt

P = Prompt

PROMPTS: dict[str, Prompt] = {
    "ivr-welcome-12345": P(
        "您好，这里是黔西市幺二三四五政务服务便民热线。",
        "nin2 hao3, zhe4 li3 shi4 qian2 xi1 shi4 yao1 er4 san1 si4 wu3 "
        "zheng4 wu4 fu2 wu4 bian4 min2 re4 xian4.",
    ),
    "ivr-welcome-12315": P(
        "您好，这里是黔西市幺二三幺五消费者投诉举报热线。",
        "nin2 hao3, zhe4 li3 shi4 qian2 xi1 shi4 yao1 er4 san1 yao1 wu3 "
        "xiao1 fei4 zhe3 tou2 su4 ju3 bao4 re4 xian4.",
    ),
    "ivr-main-menu": P(
        "咨询或投诉请按1，查询办理进度请按2，预约回拨请按9，重听请按0。",
        "zi1 xun2 huo4 tou2 su4 qing3 an4 yi1, cha2 xun2 ban4 li3 jin4 du4 qing3 an4 er4, "
        "yu4 yue1 hui2 bo1 qing3 an4 jiu3, chong2 ting1 qing3 an4 ling2.",
    ),
    "ivr-invalid": P(
        "您的按键无效，请重新选择。", "nin2 de5 an4 jian4 wu2 xiao4, qing3 chong2 xin1 xuan3 ze2."
    ),
    "ivr-no-input": P("没有收到您的按键。", "mei2 you3 shou1 dao4 nin2 de5 an4 jian4."),
    "ivr-to-agent": P(
        "正在为您转接人工服务，请稍候。",
        "zheng4 zai4 wei4 nin2 zhuan3 jie1 ren2 gong1 fu2 wu4, qing3 shao1 hou4.",
    ),
    "ivr-after-hours": P(
        "现在是非工作时间。查询办理进度请按2，预约回拨请按9，转人工请按1。"
        "如有紧急情况，请挂机后拨打幺幺零。",
        "xian4 zai4 shi4 fei1 gong1 zuo4 shi2 jian1. cha2 xun2 ban4 li3 jin4 du4 qing3 an4 er4, "
        "yu4 yue1 hui2 bo1 qing3 an4 jiu3, zhuan3 ren2 gong1 qing3 an4 yi1. "
        "ru2 you3 jin3 ji2 qing2 kuang4, qing3 gua4 ji1 hou4 bo1 da3 yao1 yao1 ling2.",
    ),
    "ivr-overflow": P(
        "当前来电较多，继续等待请按1，预约回拨请按9。",
        "dang1 qian2 lai2 dian4 jiao4 duo1, ji4 xu4 deng3 dai4 qing3 an4 yi1, "
        "yu4 yue1 hui2 bo1 qing3 an4 jiu3.",
    ),
    "ivr-callback-ok": P(
        "已为您登记回拨，工作人员将尽快给您回电。再见。",
        "yi3 wei4 nin2 deng1 ji4 hui2 bo1, gong1 zuo4 ren2 yuan2 jiang1 jin3 kuai4 "
        "gei3 nin2 hui2 dian4. zai4 jian4.",
    ),
    "ivr-callback-failed": P(
        "回拨登记暂时无法完成。",
        "hui2 bo1 deng1 ji4 zan4 shi2 wu2 fa3 wan2 cheng2.",
    ),
    "ivr-status-enter": P(
        "请输入工单编号中的数字，以井号键结束。",
        "qing3 shu1 ru4 gong1 dan1 bian1 hao4 zhong1 de5 shu4 zi4, yi3 jing3 hao4 jian4 jie2 shu4.",
    ),
    "ivr-status-bad-number": P(
        "工单编号有误，请核对后重新输入。",
        "gong1 dan1 bian1 hao4 you3 wu4, qing3 he2 dui4 hou4 chong2 xin1 shu1 ru4.",
    ),
    "ivr-status-case": P("您查询的工单", "nin2 cha2 xun2 de5 gong1 dan1"),
    "ivr-status-not-found": P(
        "未查到您提交的这个工单，请核对编号。",
        "wei4 cha2 dao4 nin2 ti2 jiao1 de5 zhe4 ge4 gong1 dan1, qing3 he2 dui4 bian1 hao4.",
    ),
    "ivr-status-after": P(
        "查询其他工单请按2，返回上级菜单请按星号键，结束请挂机。",
        "cha2 xun2 qi2 ta1 gong1 dan1 qing3 an4 er4, fan3 hui2 shang4 ji2 cai4 dan1 "
        "qing3 an4 xing1 hao4 jian4, jie2 shu4 qing3 gua4 ji1.",
    ),
    "ivr-goodbye": P("感谢您的来电，再见。", "gan3 xie4 nin2 de5 lai2 dian4, zai4 jian4."),
}

# A case's state in plain Chinese (channels/casestatus.py says the same in text).
STATE_PROMPTS: dict[CaseState, Prompt] = {
    CaseState.received: P(
        "已受理，正在分派处理单位。", "yi3 shou4 li3, zheng4 zai4 fen1 pai4 chu3 li3 dan1 wei4."
    ),
    CaseState.dispatched: P(
        "已派至处理单位，等待签收。", "yi3 pai4 zhi4 chu3 li3 dan1 wei4, deng3 dai4 qian1 shou1."
    ),
    CaseState.acknowledged: P(
        "处理单位已签收，即将处置。", "chu3 li3 dan1 wei4 yi3 qian1 shou1, ji2 jiang1 chu3 zhi4."
    ),
    CaseState.in_progress: P("处理单位正在处置。", "chu3 li3 dan1 wei4 zheng4 zai4 chu3 zhi4."),
    CaseState.returned: P("正在重新分派。", "zheng4 zai4 chong2 xin1 fen1 pai4."),
    CaseState.completed: P("已办结。", "yi3 ban4 jie2."),
    CaseState.evaluated: P(
        "已办结，并已收到您的评价，谢谢。",
        "yi3 ban4 jie2, bing4 yi3 shou1 dao4 nin2 de5 ping2 jia4, xie4 xie4.",
    ),
    CaseState.closed: P("已结案。", "yi3 jie2 an4."),
    CaseState.merged: P(
        "已与同一事件的工单合并处理。",
        "yi3 yu3 tong2 yi1 shi4 jian4 de5 gong1 dan1 he2 bing4 chu3 li3.",
    ),
}


def state_prompt(state: CaseState) -> str:
    return f"ivr-state-{state.value}"


PROMPTS.update({state_prompt(s): p for s, p in STATE_PROMPTS.items()})

# Mandarin digits for SAY DIGITS (sounds/zh/digits/<d>.wav).
DIGITS: dict[str, Prompt] = {
    "0": P("零", "ling2"),
    "1": P("幺", "yao1"),
    "2": P("二", "er4"),
    "3": P("三", "san1"),
    "4": P("四", "si4"),
    "5": P("五", "wu3"),
    "6": P("六", "liu4"),
    "7": P("七", "qi1"),
    "8": P("八", "ba1"),
    "9": P("九", "jiu3"),
}

# Every name a flow may play: ours plus the telephony prompts (greetings, hold).
KNOWN: frozenset[str] = frozenset(PROMPTS) | frozenset(TELEPHONY_PROMPTS)

__all__ = ["DIGITS", "KNOWN", "PROMPTS", "STATE_PROMPTS", "state_prompt"]
