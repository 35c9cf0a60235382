"""Telephony: the six hotline trunks through Asterisk 22, under ARI call control.

Every call to 110, 119, 120, 122, 12315 or 12345 enters our Stasis app, becomes a
contact through ``core.cases.intake.IntakeService`` (``channel="phone"``,
``live=True``, SIP PIDF-LO location when the carrier sends one), is answered, greeted
and held in a holding bridge; its state machine is persisted per channel in Redis.

Other packages may import:
- ``telephony.settings.TelephonySettings`` (nested in ``liandong.settings.Settings``);
- ``telephony.app.run_telephony`` (the Stasis app process) and
  ``telephony.ari.AriClient`` (the typed ARI client, e.g. for /status);
- ``telephony.state`` (``Call``, ``CallState``) and ``telephony.store.RedisCallStore``
  to read calls in progress;
- ``telephony.rootfs`` / ``telephony.runner`` for the development Asterisk;
- ``telephony.api.router`` (``/api/v1/calls``, included by ``liandong.app``);
- ``telephony.dialing.call_out`` (originate a call to a number into any Stasis app);
- ``telephony.store.events_key`` / ``event_fields`` (the ``{prefix}:tel:events``
  stream of call changes) and ``telephony.recording.asr_jobs_key``.
Everything else is internal. See telephony/README.md.
"""
