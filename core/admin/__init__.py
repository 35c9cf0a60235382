"""The admin console (issue 15): staff accounts, duty rosters and the dispatch
catalogue's time limits changed from the web, effective at the next request without a
restart, each change audited and kept in ``admin_changes`` (who, what, before, after)
so it can be undone.

Other packages may import ``core.admin.api.router`` (the shell includes it) and
``core.admin.tables`` (the metadata registry).
"""
