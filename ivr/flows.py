"""IVR flows as data: hotlines → menus → keys → actions (pydantic, validated at load).

A flow file (``ivr/data/flows.yaml``) names, per hotline, the menu a caller starts in
(none: straight to the queue), the menu used after hours and the one used when the
queue overflows. A menu plays its prompts and maps keys to actions. ``load_flows``
refuses a file with an unknown prompt, a key that is not a DTMF key, a reference to
a missing menu or an unknown hotline with :class:`~ivr.errors.FlowInvalid`, naming
the offending place, so a broken flow never reaches a caller.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.cases.models import Hotline
from ivr.errors import FlowInvalid
from prompts import ivr as prompts

DATA = Path(__file__).parent / "data" / "flows.yaml"
DTMF_KEYS = frozenset("0123456789*#")


class Result(StrEnum):
    """What the dialplan does next (channel variable IVR_RESULT)."""

    queue = "queue"  # Stasis(app,hotline[,category]): into the one queue
    status_done = "status_done"  # the caller heard a case status: hang up
    callback = "callback"  # a call-back item was booked: hang up
    hangup = "hangup"  # the caller left, or asked to end


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QueueAction(_Model):
    do: Literal["queue"]
    # A hint for the call takers and the classifier (IVR_CATEGORY), e.g. "consult".
    category: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{0,31}$")


class MenuAction(_Model):
    do: Literal["menu"]
    menu: str  # pushed on the stack: its unhandled keys bubble to this menu


class StatusAction(_Model):
    do: Literal["status"]
    # Pushed after the status was spoken (e.g. "another case / back").
    then: str | None = None


class CallbackAction(_Model):
    do: Literal["callback"]
    category: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{0,31}$")


class RepeatAction(_Model):
    do: Literal["repeat"]


class BackAction(_Model):
    do: Literal["back"]  # pop to the enclosing menu


class EndAction(_Model):
    do: Literal["end"]
    result: Literal["status_done", "hangup"] = "hangup"
    prompt: str | None = None


Action = Annotated[
    QueueAction
    | MenuAction
    | StatusAction
    | CallbackAction
    | RepeatAction
    | BackAction
    | EndAction,
    Field(discriminator="do"),
]


class Menu(_Model):
    prompts: list[str] = Field(min_length=1)
    keys: dict[str, Action]
    timeout_s: float = Field(5.0, gt=0, le=60)
    # Invalid keys and timeouts in a row before ``on_fail`` (a person must hear them).
    max_failures: int = Field(3, ge=1, le=10)
    on_fail: Action = QueueAction(do="queue")
    # Upper bound of rounds (repeats included) so that nobody loops forever.
    max_rounds: int = Field(8, ge=1, le=50)


class HotlineFlow(_Model):
    menu: str | None = None  # None: no menu, straight to the queue
    after_hours: str | None = None
    overflow: str | None = None


class Flows(_Model):
    # Played on a failed key / timeout / on the way to a person.
    invalid_prompt: str = "ivr-invalid"
    timeout_prompt: str = "ivr-no-input"
    to_agent_prompt: str = "ivr-to-agent"
    hotlines: dict[str, HotlineFlow]
    menus: dict[str, Menu]

    @model_validator(mode="after")
    def _check(self) -> Flows:
        problems: list[str] = []
        known_hotlines = {h.value for h in Hotline}
        for code, flow in self.hotlines.items():
            if code not in known_hotlines:
                problems.append(f"hotlines.{code}: unknown hotline")
            for field in ("menu", "after_hours", "overflow"):
                name = getattr(flow, field)
                if name is not None and name not in self.menus:
                    problems.append(f"hotlines.{code}.{field}: no menu {name!r}")
        for field in ("invalid_prompt", "timeout_prompt", "to_agent_prompt"):
            if getattr(self, field) not in prompts.KNOWN:
                problems.append(f"{field}: unknown prompt {getattr(self, field)!r}")
        for name, menu in self.menus.items():
            for p in menu.prompts:
                if p not in prompts.KNOWN:
                    problems.append(f"menus.{name}.prompts: unknown prompt {p!r}")
            for key, action in menu.keys.items():
                if len(key) != 1 or key not in DTMF_KEYS:
                    problems.append(f"menus.{name}.keys: {key!r} is not a DTMF key")
                problems += self._action(f"menus.{name}.keys.{key}", action)
            problems += self._action(f"menus.{name}.on_fail", menu.on_fail)
            if isinstance(menu.on_fail, RepeatAction | BackAction | MenuAction | StatusAction):
                problems.append(f"menus.{name}.on_fail: must end the menu (queue, callback, end)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _action(self, where: str, action: Any) -> list[str]:
        if isinstance(action, MenuAction) and action.menu not in self.menus:
            return [f"{where}: no menu {action.menu!r}"]
        if isinstance(action, StatusAction) and action.then and action.then not in self.menus:
            return [f"{where}: no menu {action.then!r}"]
        if isinstance(action, EndAction) and action.prompt and action.prompt not in prompts.KNOWN:
            return [f"{where}: unknown prompt {action.prompt!r}"]
        return []

    def flow(self, hotline: str) -> HotlineFlow:
        return self.hotlines.get(hotline, HotlineFlow())


def parse_flows(data: Any, source: str = "<data>") -> Flows:
    try:
        return Flows.model_validate(data)
    except ValidationError as exc:
        errors = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}".lstrip(": ")
            for e in exc.errors(include_url=False)
        ]
        raise FlowInvalid(
            f"IVR flows in {source} are invalid: {'; '.join(errors)}",
            details={"source": source, "errors": errors},
        ) from None


def load_flows(path: Path | None = None) -> Flows:
    path = path or DATA
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FlowInvalid(
            f"IVR flows {path} cannot be read: {exc}", details={"source": str(path)}
        ) from None
    return parse_flows(data, str(path))


# What a menu category hint means, in words for the call takers.
CATEGORY_TEXT = {
    "consult_complaint": "咨询或投诉",
    "consumer_complaint": "消费投诉",
    "after_hours": "非工作时间来电",
    "overflow": "来电高峰",
}
