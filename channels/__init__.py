"""Channels: WeChat, Weibo, SMS, the citizen app, the set-top-box alarm, grid reports.

Every adapter maps its vendor payload to one ``core.cases.schemas.ContactCreate``
and submits it with an idempotency key derived from the vendor's message id, so a
vendor's retry never opens a second case; the router never sees a vendor's shapes.

Public surface (what other packages may import):
- ``channels.api.include(app)``: every channel route, and the channels' services
  built inside the app's lifespan (``app.state.channels``).
- ``channels.worker.run(container, stop)``: outbound sender, media fetcher,
  notices to citizens, Weibo poller and set-top-box supervisor.
- ``channels.settings.ChannelsSettings`` (``Settings.channels``).
- ``liandong.demo.channels.demo_credentials(settings)`` for ``liandong demo channels``.
- ``channels.tables`` for the metadata (migration 0004).

Layout: one sub-package per channel (``wechat``, ``sms``, ``weibo``, ``stb``,
``citizen``, ``grid``) with the same file names: ``settings``, ``models`` (pure),
``errors``, ``ports``, ``service``, ``api``, ``schemas`` where there is JSON, vendor
adapters in their own modules (``wechat/client.py``, ``sms/aliyun.py`` …) and
``testing`` with the local protocol servers.
"""
