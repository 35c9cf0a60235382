"""The IVR call-back survey's Mandarin prompts (pinyin for espeak-ng; see
``prompts.models`` for why pinyin). ``liandong asterisk setup`` generates them into
the same ``sounds/zh/liandong/`` directory as the hotline prompts (the hook in
``telephony.asterisk.rootfs``); a recorded file of the same name replaces the synthetic one."""

from __future__ import annotations

from core.ratings.models import Stage
from prompts.models import Prompt, media

_KEYS = Prompt(
    "满意请按1，基本满意请按2，不满意请按3。",
    "man3 yi4 qing3 an4 yi1, ji1 ben3 man3 yi4 qing3 an4 er4, bu4 man3 yi4 qing3 an4 san1.",
)


def _ask(text: str, pinyin: str) -> Prompt:
    return Prompt(text + _KEYS.text, pinyin + " " + _KEYS.pinyin)


QUESTIONS: dict[Stage, str] = {s: f"survey-{s.value}" for s in Stage}

SURVEY_PROMPTS: dict[str, Prompt] = {
    "survey-intro": Prompt(
        "您好，这里是黔西市幺幺零社会联动中心回访。您反映的问题已经办结，请对我们的工作进行评价。",
        "nin2 hao3, zhe4 li3 shi4 qian2 xi1 shi4 yao1 yao1 ling2 she4 hui4 lian2 dong4 "
        "zhong1 xin1 hui2 fang3. nin2 fan3 ying4 de5 wen4 ti2 yi3 jing1 ban4 jie2, "
        "qing3 dui4 wo3 men5 de5 gong1 zuo4 jin4 xing2 ping2 jia4.",
    ),
    QUESTIONS[Stage.overall]: _ask("总体评价，", "zong3 ti3 ping2 jia4,"),
    QUESTIONS[Stage.accept]: _ask("对受理的评价，", "dui4 shou4 li3 de5 ping2 jia4,"),
    QUESTIONS[Stage.handle]: _ask("对处置的评价，", "dui4 chu3 zhi4 de5 ping2 jia4,"),
    QUESTIONS[Stage.feedback]: _ask("对反馈的评价，", "dui4 fan3 kui4 de5 ping2 jia4,"),
    QUESTIONS[Stage.close]: _ask("对结案的评价，", "dui4 jie2 an4 de5 ping2 jia4,"),
    "survey-invalid": Prompt("输入有误。", "shu1 ru4 you3 wu4."),
    "survey-thanks": Prompt("感谢您的评价，再见。", "gan3 xie4 nin2 de5 ping2 jia4, zai4 jian4."),
}

__all__ = ["QUESTIONS", "SURVEY_PROMPTS", "media"]
