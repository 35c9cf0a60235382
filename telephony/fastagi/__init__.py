"""FastAGI server (asyncio; AGI as pyst2 documents it) for dialplans we do not own.

``AGI(agi://host:4573/lookup)`` sets LIANDONG_CONTACT_ID, LIANDONG_REPEAT_24H,
LIANDONG_BLOCKLISTED and LIANDONG_ADDRESS on the channel; ``AGI(agi://host:4573/ivr)``
runs the hotline's IVR flow (``ivr/``) and leaves IVR_RESULT and IVR_CATEGORY.

Other packages may import ``telephony.fastagi.settings.FastAgiSettings`` and
``telephony.fastagi.server.run_fastagi`` (the process, ``liandong agi serve``).
Nothing is imported here so that ``liandong.settings`` stays light.
"""
