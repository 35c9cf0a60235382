"""Escalation: deadlines, reminders and the accountability ladder of R12, persisted.

Other packages may import:

* ``liandong.escalation.dispatch`` — ``plan`` / ``open_ladders``, used by case dispatch;
* ``liandong.escalation.scheduler`` — ``EscalationScheduler`` / ``build_scheduler``
  (``await scheduler.run(stop)`` in the worker's task group);
* ``liandong.escalation.api`` — ``router`` (``GET /api/v1/escalations``);
* ``liandong.escalation.ports`` — ``Notifier`` and ``Notice`` for channel adapters;
* ``liandong.escalation.tables`` — the ORM tables (for ``liandong.db.models``).

The policy itself (calendar, catalogue, duty, ladder) is pure and lives in ``router/``.
"""
