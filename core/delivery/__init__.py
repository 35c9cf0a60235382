"""Delivery: every message the platform sends to a person, durable and acknowledged.

One row per message (``deliveries``), written in the caller's transaction: the row is
its own outbox record. A Redis stream (``{prefix}:delivery``, a consumer group like
intake's) wakes the workers at once; a sweep of the table covers whatever the stream
lost. Each message walks its routes (channel + address) in order: retries with
backoff on one route, the next route when a provider keeps failing, when a call is
not answered or when a staff notice is not acknowledged in time.

Other packages may import:

* ``core.delivery.models`` — ``Purpose``, ``State``, ``Request``, ``mask``;
* ``core.delivery.ports`` — ``ChannelSender``, ``Outgoing``, ``Sent`` for adapters;
* ``core.delivery.errors`` — the error tree (adapters raise ``SendFailed``);
* ``core.delivery.service`` — ``DeliveryService`` (stage, enqueue, acknowledge, list);
* ``core.delivery.worker`` — ``DeliveryWorker`` (``await worker.run(stop)``);
* ``core.delivery.notifier`` — ``DeliveryNotifier``, the escalation ``Notifier``;
* ``core.delivery.api`` — ``router``; ``core.delivery.tables`` for the metadata.
"""
