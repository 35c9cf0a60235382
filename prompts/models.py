"""The vocabulary of voice prompts: a prompt is what callers hear (characters, for people
reading the code and for recordings) and what espeak-ng is given (pinyin).

Generated at ``liandong asterisk setup`` with espeak-ng and sox into the Asterisk
root's ``sounds/zh/liandong/<name>.wav`` (8 kHz, mono, 16 bit: what format_wav plays
without resampling). A recorded file of the same name replaces the synthetic one.

espeak-ng speaks the pinyin (voice ``cmn-latn-pinyin``, tone numbers 1-5): Debian's
espeak-ng ``cmn`` dictionary lacks most characters (黔, 您, 联 …) and reads them as
English letter names, which no caller would understand. Phone numbers are written as
they are read on the phone (110 = 幺幺零 yao1 yao1 ling2).
"""

from __future__ import annotations

from dataclasses import dataclass

SOUND_DIR = "liandong"  # under sounds/zh/; media URIs are sound:liandong/<name>


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str  # what callers hear, for people reading the code and for recordings
    pinyin: str  # what espeak-ng is given


def media(name: str) -> str:
    """The ARI media URI of a prompt."""
    return f"sound:{SOUND_DIR}/{name}"
