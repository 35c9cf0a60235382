"""Ordering of the call takers' work queue (pure).

Two tiers: live calls, set-top-box alarms and emergencies always come before
everything else — a person on the line or pressing an alarm must never wait
behind a consultation, however old. Inside a tier, waiting time ages priority:
each priority step is worth ``aging_step_s`` seconds of waiting, so a
consultation that has waited long enough overtakes a newer ordinary report.

The score is static (enqueue time minus a boost), which is what lets Redis keep
the order in a sorted set without rescoring as time passes.
"""

from __future__ import annotations

from dataclasses import dataclass

_TIER_GAP = 1e11  # far beyond any epoch-seconds value, so tiers never mix


@dataclass(frozen=True, slots=True)
class Rank:
    priority: int  # 1 (most urgent) .. 4 (consultation)
    emergency: bool
    live: bool  # a caller is on the line
    alarm: bool  # one-click alarm from a set-top box


def urgent_tier(r: Rank) -> bool:
    return r.emergency or r.live or r.alarm or r.priority == 1


def score(r: Rank, enqueued_at: float, aging_step_s: float) -> float:
    tier = 0 if urgent_tier(r) else 1
    # Within the urgent tier an emergency still precedes a non-emergency live call.
    boost = (4 - r.priority) * aging_step_s + (aging_step_s * 4 if r.emergency else 0.0)
    return tier * _TIER_GAP + enqueued_at - boost
