"""Tamper evidence for the append-only logs: chain verification and daily anchors.

Public surface: ``core.integrity.verify`` (``verify_all``, ``Report``) and
``core.integrity.anchors`` (``anchor_days``); ``tables.LogAnchorRow``.
"""
