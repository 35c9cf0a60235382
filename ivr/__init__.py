"""IVR menus as data (``data/flows.yaml``) run by a pure engine as stacked menus.

Other packages may import: ``ivr.service`` (``IvrService``, ``Outcome``),
``ivr.models`` (``load_flows``, ``Result``), ``ivr.ports`` (``CallInfo``, the
``IvrChannel`` port a channel adapter implements), ``ivr.settings`` (``IvrSettings``),
``ivr.adapters`` (the platform-side ports), ``ivr.contacts`` (``IvrContacts``,
``IN_MENU_MARK``: the caller's contact while in the menu) and ``ivr.testing`` (the
test harness).
Nothing is imported here: ``liandong.settings`` imports ``ivr.settings`` and must not
pull in the engine.
"""
