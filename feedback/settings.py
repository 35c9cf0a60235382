"""Feedback settings, nested under the root settings as ``feedback``
(env ``LIANDONG_FEEDBACK__*``, e.g. ``LIANDONG_FEEDBACK__SURVEY_TRUNK``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FeedbackSettings(BaseModel):
    # 不满意 reopens the case (重办) this long after the rating unless a supervisor
    # overrules it with a reason first (feedback.models.reopen_due).
    reopen_hold_minutes: float = Field(30.0, ge=0, le=7 * 24 * 60)
    # A bare "1"/"满意" reply rates the citizen's newest case completed this recently.
    evaluation_window_days: int = Field(15, ge=1, le=90)
    watch_interval_s: float = Field(2.0, gt=0)

    # --- IVR call-back survey of phone callers --------------------------------------
    survey_enabled: bool = False
    survey_app: str = Field("liandong-survey", pattern=r"^[a-z][a-z0-9_-]{1,31}$")
    # Outbound trunk (telephony.outbound_trunks name) the citizen is dialled through:
    # PJSIP/<number>@<trunk>; the carrier's outgoing side by default.
    survey_trunk: str = Field("carrier-out", pattern=r"^[a-z][a-z0-9-]{1,30}$")
    survey_caller_id: str = Field("12345", max_length=32)
    # Called this long after completion, so the unit's own call-back comes first.
    survey_delay_s: float = Field(600.0, ge=0)
    survey_ring_s: int = Field(30, ge=5, le=120)
    survey_max_attempts: int = Field(3, ge=1, le=10)
    survey_retry_after_s: float = Field(1800.0, ge=1)
    # A question waits this long for a key after its prompt (allowed
    # ``survey_prompt_s`` to play; a key pressed during the prompt answers it).
    survey_digit_timeout_s: float = Field(8.0, gt=0)
    survey_prompt_s: float = Field(12.0, ge=0)
    survey_concurrency: int = Field(4, ge=1, le=100)
    # Local hours [start, end) in which citizens are called; completions older than
    # ``survey_max_age_h`` (e.g. when the feature is switched on) are not surveyed.
    survey_hours: tuple[int, int] = (8, 21)
    survey_max_age_h: float = Field(24.0, gt=0)
    timezone: str = "Asia/Shanghai"

    # --- staff follow-up sample (回访抽查, R10) ---------------------------------------
    sample_share: float = Field(0.05, gt=0, le=1)
    sample_seed: int = 110
