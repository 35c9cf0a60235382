"""Fixtures for the feedback tests: the channels app (SMS/WeChat fakes) and, for the
IVR call-back survey, a real Asterisk 22 whose outbound trunk "carrier-out" points at a
sipp UAS playing the citizen (answers, presses keys as RFC 2833 events).

The survey's Asterisk is its own instance (``fb-<pid>``) from the same cached root
as tests/telephony's, with the telephony fixtures' settings pattern plus the extra
trunk: the trunk's contact port must be known before the configuration is rendered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from liandong.settings import Settings
from telephony.settings import OutboundTrunk, TelephonySettings
from tests.channels.conftest import (  # noqa: F401 - fixtures shared with channel tests
    ch_app,
    ch_client,
    channel_settings,
    channels,
    pusher,
    sms_api,
    wechat_api,
    weibo_api,
)
from tests.support.asterisk import private_asterisk, telephony_for_tests
from tests.telephony.helpers import free_udp_port


@dataclass(frozen=True)
class SurveyAsterisk:
    telephony: TelephonySettings
    uas_port: int  # where the citizen's phone (sipp UAS) must listen


@pytest.fixture(scope="session")
def survey_asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SurveyAsterisk]:
    uas_port = free_udp_port()
    t = telephony_for_tests(
        "fb",
        outbound_trunks=[
            OutboundTrunk(
                name="carrier-out", label="运营商出局", contact=f"sip:127.0.0.1:{uas_port}"
            )
        ],
        hotline_trunks={},
    )
    with private_asterisk(t, tmp_path_factory):  # cached root; survey prompts too
        yield SurveyAsterisk(t, uas_port)


@pytest.fixture
def survey_settings(settings: Settings, survey_asterisk: SurveyAsterisk) -> Settings:
    """The test's database and Redis prefix, the survey's Asterisk, the survey on."""
    feedback = settings.feedback.model_copy(
        update={
            "survey_enabled": True,
            "survey_trunk": "carrier-out",
            "survey_delay_s": 0.0,
            "survey_retry_after_s": 1.0,
            "survey_digit_timeout_s": 6.0,
            "survey_prompt_s": 4.0,
            "survey_hours": (0, 24),  # tests run at any hour
        }
    )
    return settings.model_copy(
        update={"telephony": survey_asterisk.telephony, "feedback": feedback}
    )
