"""Fixtures for the delivery tests: the SMS providers' and WeCom's local APIs (the
official SDKs talk to them and they check signatures and tokens), and the delivery
worker as ``liandong worker`` builds it, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from channels.wecom.settings import DEMO_CORP_ID, DEMO_CORP_SECRET, WeComSettings
from core.cases.schemas import ContactCreate
from core.cases.tables import CaseRow
from core.clock import Clock, utc_clock
from core.delivery.service import DeliveryService
from core.delivery.worker import DeliveryWorker
from core.wiring import CoreServices
from liandong.app import create_app
from liandong.settings import Settings
from liandong.wiring import build, delivery_worker
from simulators.sms import FakeSmsServer
from simulators.wechat import FakeWeChatServer
from simulators.wecom import FakeWeComServer
from telephony.settings import OutboundTrunk
from tests.agent_desktop.conftest import browser  # noqa: F401 - headless Chromium
from tests.channels.conftest import sms_api, wechat_api  # noqa: F401 - the providers' fakes
from tests.conftest import make_settings
from tests.feedback.conftest import SurveyAsterisk
from tests.support.asterisk import private_asterisk, telephony_for_tests
from tests.telephony.helpers import free_udp_port


@pytest.fixture(scope="session")
def notify_asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SurveyAsterisk]:
    """Our own Asterisk (``notify-<pid>``): ``carrier-out`` reaches the sipp phone."""
    uas_port = free_udp_port()
    trunk = OutboundTrunk(name="carrier-out", label="运营商出局",
                          contact=f"sip:127.0.0.1:{uas_port}")  # fmt: skip
    t = telephony_for_tests("notify", outbound_trunks=[trunk], hotline_trunks={})
    with private_asterisk(t, tmp_path_factory):
        yield SurveyAsterisk(t, uas_port)


@pytest.fixture
def wecom_api() -> Iterator[FakeWeComServer]:
    with FakeWeComServer(DEMO_CORP_ID, DEMO_CORP_SECRET, WeComSettings().agent_id) as server:
        yield server


def closed_endpoint() -> str:
    """An address where no provider listens: "provider down"."""
    return f"127.0.0.1:{free_udp_port()}"


@pytest.fixture
def delivery_settings(
    db_url: str,
    redis_url: str,
    redis_prefix: str,
    wecom_api: FakeWeComServer,
    sms_api: FakeSmsServer,  # noqa: F811 - the imported fixture, requested
    wechat_api: FakeWeChatServer,  # noqa: F811 - the imported fixture, requested
) -> Settings:
    settings = make_settings(db_url, redis_url, redis_prefix)
    settings.channels.wechat.api_base = wechat_api.url
    settings.channels.wecom.api_base = wecom_api.url
    for provider in (settings.channels.sms.aliyun, settings.channels.sms.tencent):
        provider.endpoint = sms_api.endpoint
    settings.channels.sms.aliyun.protocol = "HTTP"
    settings.channels.sms.tencent.protocol = "http://"
    settings.delivery = settings.delivery.model_copy(
        update={"quiet_hours": None, "backoff_s": 0.05, "sweep_interval_s": 0.1}
    )
    return settings


@dataclass
class Env:
    core: CoreServices
    service: DeliveryService
    worker: DeliveryWorker
    settings: Settings
    stack: AsyncExitStack

    async def rebuild_worker(self) -> DeliveryWorker:
        """The worker built again after a test changed the channels' settings."""
        self.worker = await delivery_worker(self.core, self.settings, self.stack, "again",
                                            voice=False)  # fmt: skip
        return self.worker

    async def case(self, sender: str = "13985710001", channel: str = "sms") -> tuple[str, int]:
        created = await self.core.intake.receive(
            ContactCreate(channel=channel, sender=sender, text="新仁乡路灯坏了一个月"),
            actor=f"channel:{channel}",
        )
        async with self.core.db.session() as s:
            case_id = await s.scalar(
                select(CaseRow.id).where(CaseRow.number == created.case_number)
            )
        assert case_id is not None
        return created.case_number, int(case_id)


@pytest.fixture
def clock() -> Clock:
    return utc_clock


@pytest.fixture
async def env(delivery_settings: Settings, clock: Clock) -> AsyncIterator[Env]:
    async with AsyncExitStack() as stack:
        c = await build(delivery_settings, stack, clock, lean=True)
        worker = await delivery_worker(c, delivery_settings, stack, "test", voice=False)
        yield Env(c, worker.service, worker, delivery_settings, stack)


@pytest.fixture
async def client(delivery_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The platform's API with the delivery settings (overrides the root ``client``)."""
    app = create_app(delivery_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
