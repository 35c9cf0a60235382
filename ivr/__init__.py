"""IVR menus as data (``data/flows.yaml``) run by a pure engine as stacked menus.

Pure: no database, Redis or network here. Other packages may import ``ivr.service``
(``IvrService``, ``Outcome``), ``ivr.flows`` (``load_flows``, ``Result``),
``ivr.ports`` (``CallInfo``; the ``IvrChannel`` and ``IvrBackend`` ports) and
``ivr.settings`` (``IvrSettings``). The ports' implementations on the platform (SQL,
Redis, the FastAGI channel) live beside the FastAGI server in ``telephony.fastagi``;
the prompts in the leaf package ``prompts``.
Nothing is imported here: ``liandong.settings`` imports ``ivr.settings`` and must not
pull in the engine.
"""
