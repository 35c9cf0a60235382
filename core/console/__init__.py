"""The console's reading side (issue 15): case search over millions of cases, export
of a result, and a case's whole timeline.

Other packages may import: ``core.console.api.router`` (the shell includes it before
the cases router, so ``/cases/search`` is not taken for a case number),
``core.console.search.search`` and ``core.console.timeline.timeline``.
"""
