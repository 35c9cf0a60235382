"""The composition root: the one place that knows every package. Processes, the app
factory and the CLI get their services from here.

``build`` makes the core's services (with the router's classifier); ``build_web`` adds
the contexts the HTTP routes read from ``app.state``. Each context's own wiring
function (``<package>/wiring.py``) does the rest.
"""

from __future__ import annotations

from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass

from agent_desktop.wiring import Desk, build_desk
from channels.citizen import api as citizen_api
from channels.delivery.wiring import build_senders
from channels.grid import api as grid_api
from channels.sms import api as sms_api
from channels.stb import api as stb_api
from channels.wechat import api as wechat_api
from channels.weibo import api as weibo_api
from channels.wiring import Channels, build_channels
from core.admin.service import AdminService
from core.auth import api as auth_api
from core.auth import audit_api
from core.cases import api as cases_api
from core.cases import instructions_api
from core.clock import Clock, utc_clock
from core.console import api as console_api
from core.delivery.service import DeliveryService
from core.delivery.wiring import build_delivery, build_worker
from core.delivery.worker import DeliveryWorker
from core.escalation import api as escalation_api
from core.metrics import Metrics
from core.orgmap import api as orgmap_api
from core.triage import api as triage_api
from core.wiring import CoreServices, build_core
from feedback.wiring import Feedback, build_feedback
from liandong.settings import Settings
from reports.service import ReportService
from reports.wiring import build_reports
from router.wiring import LazyClassifier, default_classifier
from telephony.calls.wiring import CallsApi, build_calls_api
from telephony.notify.caller import VoiceNoticeSender, speech_for
from telephony.seats.wiring import SeatsApi, build_seats_api
from telephony.wiring import ari_client


async def build(
    settings: Settings,
    stack: AsyncExitStack,
    clock: Clock = utc_clock,
    *,
    lean: bool = False,
    metrics: Metrics | None = None,
) -> CoreServices:
    """The core's services. ``lean`` for processes that neither locate nor classify
    (FastAGI): no org map in memory, the classifier built only if ever used."""
    classifier = LazyClassifier() if lean else default_classifier()
    return await build_core(
        settings, stack, classifier, clock, load_orgmap=not lean, metrics=metrics
    )


@dataclass
class Web:
    """Everything the HTTP routes read from ``app.state`` (attribute = field name)."""

    settings: Settings
    core: CoreServices
    channels: Channels
    desk: Desk
    feedback: Feedback
    reports: ReportService
    calls: CallsApi
    seats: SeatsApi
    delivery: DeliveryService
    admin: AdminService


async def build_web(
    settings: Settings, stack: AsyncExitStack, clock: Clock, metrics: Metrics
) -> Web:
    core = await build(settings, stack, clock, metrics=metrics)
    channels = await build_channels(core, settings.channels, stack)
    delivery = delivery_service(core, settings)
    if channels.sms is not None:
        channels.sms.staff_acks = delivery  # a reply "1" acknowledges a staff notice
    return Web(
        settings=settings,
        core=core,
        channels=channels,
        desk=build_desk(core, settings.desk, stack),
        feedback=build_feedback(core, settings.feedback),
        reports=build_reports(core, settings.reports),
        calls=build_calls_api(core, settings.telephony),
        seats=build_seats_api(core, settings.telephony),
        delivery=delivery,
        admin=AdminService(core.db, core.auth, core.clock),
    )


def delivery_service(core: CoreServices, settings: Settings) -> DeliveryService:
    """Outbound messages to people (issue 13); ack links are signed with the auth key."""
    return build_delivery(
        core.db,
        core.redis,
        settings.delivery,
        core.clock,
        prefix=settings.redis.prefix,
        secret=settings.auth.secret_key.get_secret_value().encode(),
    )


async def delivery_worker(
    core: CoreServices,
    settings: Settings,
    stack: AsyncExitStack,
    name: str,
    *,
    voice: bool,
    ari_wait_s: float = 0,
) -> DeliveryWorker:
    """The delivery worker with every channel it can use: SMS (provider fallback),
    WeCom and, with ``voice``, calls through Asterisk's carrier trunk (its ARI
    application connected for the life of ``stack``)."""
    sync = stack.enter_context(ExitStack())
    senders = build_senders(
        settings.channels, sync, redis_url=settings.redis.url, prefix=settings.redis.prefix
    )
    if voice:
        t = settings.telephony
        sender = VoiceNoticeSender(t, ari_client(t, t.notify.app), speech_for(t))
        senders["voice"] = await stack.enter_async_context(sender.connected(ari_wait_s))
    q = settings.queue
    return build_worker(
        delivery_service(core, settings),
        core.redis,
        senders,
        prefix=settings.redis.prefix,
        name=name,
        claim_idle_ms=q.claim_idle_ms,
        max_deliveries=q.max_deliveries,
    )


def core_routes_can_use(
    core: CoreServices,
) -> tuple[
    auth_api.Needs,
    cases_api.Needs,
    instructions_api.Needs,
    triage_api.Needs,
    triage_api.LinkNeeds,
    orgmap_api.Needs,
    escalation_api.Needs,
    audit_api.Needs,
    console_api.Needs,
]:
    """Never called: mypy checks here that ``CoreServices`` gives every core route the
    services its ``Needs`` protocol names (they cannot import ``core.wiring``)."""
    return core, core, core, core, core, core, core, core, core


def channel_routes_can_use(
    ch: Channels,
) -> tuple[
    citizen_api.Needs, grid_api.Needs, sms_api.Needs, stb_api.Needs, wechat_api.Needs,
    weibo_api.Needs,
]:  # fmt: skip
    """Never called: mypy checks that ``Channels`` gives each channel's routes what
    their ``Needs`` protocol names (they cannot import ``channels.wiring``)."""
    return ch, ch, ch, ch, ch, ch
