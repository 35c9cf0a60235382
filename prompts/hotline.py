"""The hotlines' prompts: each hotline's greeting, hold and fallback (see
``prompts.models`` for why espeak-ng is given pinyin)."""

from __future__ import annotations

from prompts.models import SOUND_DIR, Prompt, media

__all__ = ["PROMPTS", "SOUND_DIR", "Prompt", "greeting", "media"]

_CENTER = Prompt(
    "您好，这里是黔西市幺幺零社会联动中心，",
    "nin2 hao3, zhe4 li3 shi4 qian2 xi1 shi4 yao1 yao1 ling2 she4 hui4 lian2 dong4 zhong1 xin1, ",
)
_TELL = Prompt("请讲述您的情况。", "qing3 jiang3 shu4 nin2 de5 qing2 kuang4.")
_SERVICE = {
    "110": Prompt("", ""),
    "119": Prompt("幺幺九火警，", "yao1 yao1 jiu3 huo3 jing3, "),
    "120": Prompt("幺二零急救，", "yao1 er4 ling2 ji2 jiu4, "),
    "122": Prompt("幺二二交通事故报警，", "yao1 er4 er4 jiao1 tong1 shi4 gu4 bao4 jing3, "),
    "12315": Prompt("幺二三幺五消费投诉，", "yao1 er4 san1 yao1 wu3 xiao1 fei4 tou2 su4, "),
    "12345": Prompt("幺二三四五政务服务，", "yao1 er4 san1 si4 wu3 zheng4 wu4 fu2 wu4, "),
}


def greeting(hotline: str) -> str:
    """The media name of a hotline's greeting."""
    return f"greeting-{hotline}"


def _greeting(hotline: str) -> Prompt:
    service = _SERVICE[hotline]
    return Prompt(
        _CENTER.text + service.text + _TELL.text, _CENTER.pinyin + service.pinyin + _TELL.pinyin
    )


PROMPTS: dict[str, Prompt] = {
    **{greeting(h): _greeting(h) for h in _SERVICE},
    "hold": Prompt(
        "请不要挂机，接警员马上为您服务。",
        "qing3 bu2 yao4 gua4 ji1, jie1 jing3 yuan2 ma3 shang4 wei4 nin2 fu2 wu4.",
    ),
    # Between the hold rounds (issue 16): the caller is told they are in line.
    "comfort": Prompt(
        "您的来电正在排队，请耐心等待，我们将尽快为您接通。",
        "nin2 de5 lai2 dian4 zheng4 zai4 pai2 dui4, qing3 nai4 xin1 deng3 dai4, "
        "wo3 men5 jiang1 jin3 kuai4 wei4 nin2 jie1 tong1.",
    ),
    "fallback": Prompt(
        "您好，系统正在为您转接人工坐席，请不要挂机。",
        "nin2 hao3, xi4 tong3 zheng4 zai4 wei4 nin2 zhuan3 jie1 ren2 gong1 zuo4 xi2, "
        "qing3 bu2 yao4 gua4 ji1.",
    ),
    "fallback-busy": Prompt(
        "坐席全忙，请稍后再拨。如遇紧急情况，请重拨幺幺零。",
        "zuo4 xi2 quan2 mang2, qing3 shao1 hou4 zai4 bo1. ru2 yu4 jin3 ji2 qing2 kuang4, "
        "qing3 chong2 bo1 yao1 yao1 ling2.",
    ),
}
