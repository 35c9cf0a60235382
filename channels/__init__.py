"""Channels: WeChat, Weibo, SMS, the citizen app, the set-top-box alarm, grid reports.

Not built yet (issue "Channels"). Each adapter maps its vendor payload to one
``liandong.cases.schemas.ContactCreate`` and posts it with an idempotency key
derived from the vendor's message id, so a vendor's retry never opens a second case.
"""
