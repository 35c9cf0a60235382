"""Escalation: deadlines, reminders and the accountability ladder of R12, persisted.

Other packages may import:

* ``core.escalation.dispatch`` — ``plan`` / ``open_ladders``, used by case dispatch;
* ``core.escalation.scheduler`` — ``EscalationScheduler`` / ``build_scheduler``
  (``await scheduler.run(stop)`` in the worker's task group);
* ``core.escalation.api`` — ``router`` (``GET /api/v1/escalations``);
* ``core.escalation.ports`` — ``Notifier`` and ``Notice`` for channel adapters;
* ``core.escalation.tables`` — the ORM tables (for ``liandong.registry``).

The pure policy lives beside it: ``core.escalation.ladder`` (the steps), ``core.dispatch``
(catalogue, duty) and ``core.worktime`` (the working-day calendar).
"""
