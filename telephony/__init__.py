"""Telephony: the six hotline trunks through Asterisk 22, under ARI call control.

Every call to 110, 119, 120, 122, 12315 or 12345 enters our Stasis app, becomes a
contact through ``core.cases.intake.IntakeService`` (``channel="phone"``,
``live=True``, SIP PIDF-LO location when the carrier sends one), is answered, greeted
and held in a holding bridge; its state machine is persisted per channel in Redis.

Other packages may import:
- ``telephony.settings.TelephonySettings`` (nested in ``liandong.settings.Settings``);
- ``telephony.calls.app.run_telephony`` (the Stasis app process) and
  ``telephony.ari.client.AriClient`` (the typed ARI client, e.g. for /status);
- ``telephony.calls.state`` (``Call``, ``CallState``) and ``telephony.calls.store.RedisCallStore``
  to read calls in progress;
- ``telephony.asterisk.rootfs`` / ``telephony.asterisk.runner`` for the development Asterisk;
- ``telephony.calls.api.router`` (``/api/v1/calls``, included by ``liandong.app``);
- ``telephony.calls.dialing.call_out`` (originate a call to a number into any Stasis app);
- ``telephony.calls.store.events_key`` / ``event_fields`` (the ``{prefix}:tel:events``
  stream of call changes) and ``telephony.calls.recording.asr_jobs_key``.
Everything else is internal. See telephony/README.md.
"""
