"""The access matrix: which role may do what. One table, read by every route.

| permission       | call_taker | dispatcher | unit_staff | leader | admin | auditor | channel |
|------------------|:-:|:-:|:-:|:-:|:-:|:-:|:-:|
| contacts:create  | ✓ | ✓ |   |   | ✓ |   | ✓ |
| cases:read       | ✓ | ✓ | own unit | ✓ | ✓ | ✓ |   |
| cases:triage     | ✓ | ✓ |   |   | ✓ |   |   |  take, classify, note, dispatch, resolve, merge
| cases:supervise  |   | ✓ |   | ✓ | ✓ |   |   |  reassign, reopen, evaluate, close
| cases:handle     |   | ✓ | own unit |   | ✓ |   |   |  acknowledge, start, return, complete, note
| caselog:read     | ✓ | ✓ | own unit | ✓ | ✓ | ✓ |   |
| queue:read       | ✓ | ✓ |   | ✓ | ✓ |   |   |
| orgmap:read      | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |   |
| phones:full      | ✓ | ✓ |   |   | ✓ |   |   |  others see 138****5678
| phones:reveal    | ✓ | ✓ | own unit | ✓ | ✓ |   |   |  audited reveal of one case's numbers
| stats:read       | ✓ | ✓ |   | ✓ | ✓ | ✓ |   |  big screen (R13); /status, /metrics in production
| audit:read       |   |   |   |   | ✓ | ✓ |   |  the audit-log viewer (GET /api/v1/audit)
| users:manage     |   |   |   |   | ✓ |   |   |  accounts; clearing failed logins (unlock)
| reports:read     |   |   |   | ✓ | ✓ | ✓ |   |  assessment reports (月通报、季考核、年总评)
| calls:supervise  |   | ✓ |   |   | ✓ |   |   |  班长席: 监听 耳语 强插 强拆 代接
"""

from __future__ import annotations

from enum import StrEnum

from core.auth.models import Role


class Perm(StrEnum):
    contacts_create = "contacts:create"
    cases_read = "cases:read"
    cases_triage = "cases:triage"
    cases_supervise = "cases:supervise"
    cases_handle = "cases:handle"
    caselog_read = "caselog:read"
    queue_read = "queue:read"
    orgmap_read = "orgmap:read"
    phones_full = "phones:full"
    phones_reveal = "phones:reveal"
    stats_read = "stats:read"
    audit_read = "audit:read"
    users_manage = "users:manage"
    reports_read = "reports:read"
    calls_supervise = "calls:supervise"


R = Role
P = Perm
MATRIX: dict[Perm, frozenset[Role]] = {
    P.contacts_create: frozenset({R.call_taker, R.dispatcher, R.admin, R.channel}),
    P.cases_read: frozenset(
        {R.call_taker, R.dispatcher, R.unit_staff, R.leader, R.admin, R.auditor}
    ),
    P.cases_triage: frozenset({R.call_taker, R.dispatcher, R.admin}),
    P.cases_supervise: frozenset({R.dispatcher, R.leader, R.admin}),
    P.cases_handle: frozenset({R.dispatcher, R.unit_staff, R.admin}),
    P.caselog_read: frozenset(
        {R.call_taker, R.dispatcher, R.unit_staff, R.leader, R.admin, R.auditor}
    ),
    P.queue_read: frozenset({R.call_taker, R.dispatcher, R.leader, R.admin}),
    P.orgmap_read: frozenset(
        {R.call_taker, R.dispatcher, R.unit_staff, R.leader, R.admin, R.auditor}
    ),
    P.phones_full: frozenset({R.call_taker, R.dispatcher, R.admin}),
    P.phones_reveal: frozenset({R.call_taker, R.dispatcher, R.unit_staff, R.leader, R.admin}),
    P.stats_read: frozenset({R.call_taker, R.dispatcher, R.leader, R.admin, R.auditor}),
    P.audit_read: frozenset({R.admin, R.auditor}),
    P.users_manage: frozenset({R.admin}),
    P.reports_read: frozenset({R.leader, R.admin, R.auditor}),
    # 班长席 (issue 16): the dispatcher on duty (值班长) supervises the call takers.
    P.calls_supervise: frozenset({R.dispatcher, R.admin}),
}

# Roles limited to the cases their own unit holds an instruction for.
UNIT_SCOPED = frozenset({R.unit_staff})


def allows(role: Role, perm: Perm) -> bool:
    return role in MATRIX[perm]
