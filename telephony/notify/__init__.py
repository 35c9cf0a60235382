"""Staff notices read out on the phone: the delivery service's ``voice`` channel.

Public surface: ``telephony.notify.caller.VoiceNoticeSender`` (``async with
sender.connected(): ...``), ``telephony.notify.settings.VoiceNoticeSettings``
(``TelephonySettings.notify``)."""
