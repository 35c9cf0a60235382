"""Which permission each case action needs (the RBAC matrix is ``core.auth.roles``)."""

from __future__ import annotations

from core.auth.roles import Perm
from core.cases.lifecycle import Action

P = Perm

ACTION_PERM: dict[Action, Perm] = {
    Action.take: P.cases_triage,
    Action.classify: P.cases_triage,
    Action.dispatch: P.cases_triage,
    Action.resolve_directly: P.cases_triage,
    Action.merge: P.cases_triage,
    Action.split_: P.cases_triage,
    Action.reassign: P.cases_supervise,
    Action.reopen: P.cases_supervise,
    Action.evaluate: P.cases_supervise,
    Action.close: P.cases_supervise,
    Action.acknowledge: P.cases_handle,
    Action.start: P.cases_handle,
    Action.return_: P.cases_handle,
    Action.complete: P.cases_handle,
    Action.note: P.cases_read,  # anyone who may read the case may add a note
}
