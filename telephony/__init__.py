"""Telephony: the six hotline trunks through Asterisk 22 (ARI call control, AGI).

Not built yet (issue "Telephony"). It will turn each call into a contact through
``liandong.cases.intake.IntakeService`` with ``channel="phone"`` and ``live=True``,
so calls land in the same durable queue as every other request.
"""
