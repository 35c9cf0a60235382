"""The IVR call-back survey against a real Asterisk 22: the citizen's phone is a sipp
UAS behind the outbound trunk that answers and presses 1/2/3 as RFC 2833 events."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from sqlalchemy import select

from core.cases.tables import CaseRow
from core.ratings.tables import RatingRow, SurveyCallRow
from core.wiring import CoreServices
from feedback.service import FeedbackService
from feedback.survey import SurveyCaller
from liandong.settings import Settings
from liandong.wiring import build
from telephony.wiring import ari_client
from tests.feedback.conftest import SurveyAsterisk
from tests.feedback.helpers import completed_case
from tests.telephony.helpers import free_udp_port

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
SCENARIO = Path(__file__).parent / "scenarios" / "uas_survey.xml"
CALLER = "13800000777"
PCAP = "/usr/share/sip-tester/dtmf_2833_{}.pcap"


def _info(key: str, cseq: int) -> str:
    return f"""<send retrans="500"><![CDATA[
      INFO [$peer] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$own_to];tag=[pid]SIPpTag01[call_number]
      To: [$peer_from]
      Call-ID: [call_id]
      CSeq: {cseq} INFO
      Contact: <sip:[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={key}
      Duration=160
    ]]></send>
    <recv response="200"/>"""


def render_scenario(keys: str, target: Path) -> Path:
    """The UAS scenario with one key press every 1.5 s after answering: RFC 2833
    events from the pcaps, SIP INFO for a key already pressed once."""
    presses = ['<pause milliseconds="3000"/>']
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            presses.append(_info(key, 100 + i))
        else:
            presses.append(
                f'<nop><action><exec play_pcap_audio="{PCAP.format(key)}"/></action></nop>'
            )
        seen.add(key)
        presses.append('<pause milliseconds="1500"/>')
    target.write_text(SCENARIO.read_text().replace("<!-- DTMF -->", "\n".join(presses)))
    return target


async def start_phone(port: int, scenario: Path, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port),
        "-mp", str(free_udp_port()), "-m", "1", "-timeout", "90", "-timeout_error",
        "-nostdin",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, cwd=cwd,
    )  # fmt: skip


async def wait_for_state(c: CoreServices, row_id: int, states: set[str], limit_s: float) -> str:
    deadline = asyncio.get_running_loop().time() + limit_s
    state = ""
    while asyncio.get_running_loop().time() < deadline:
        async with c.db.session() as s:
            row = await s.get(SurveyCallRow, row_id)
            state = row.state if row else ""
        if state in states:
            return state
        await asyncio.sleep(0.3)
    raise AssertionError(f"survey call {row_id} stayed {state!r}")


def survey_caller(c: CoreServices, feedback: FeedbackService, settings: Settings) -> SurveyCaller:
    """The survey caller as ``liandong worker`` builds it: its own Stasis application."""
    ari = ari_client(settings.telephony, settings.feedback.survey_app)
    return SurveyCaller(c.db, feedback, settings.feedback, ari, c.clock)


async def test_phone_caller_is_called_back_and_rates_each_stage_by_dtmf(
    survey_settings: Settings, survey_asterisk: SurveyAsterisk, tmp_path: Path
) -> None:
    phone = await start_phone(
        survey_asterisk.uas_port, render_scenario("123712", tmp_path / "uas.xml"), tmp_path
    )
    async with AsyncExitStack() as stack:
        c = await build(survey_settings, stack)
        number, unit = await completed_case(c, channel="phone", sender=CALLER, hotline="12345")
        feedback = FeedbackService(c.db, c.cases, survey_settings.feedback, c.clock)
        await feedback.poll()  # the completion schedules the call-back
        async with c.db.session() as s:
            call = (await s.scalars(select(SurveyCallRow))).one()
        assert call.phone == CALLER and call.state == "pending"
        caller = survey_caller(c, feedback, survey_settings)
        stop = asyncio.Event()
        task = asyncio.create_task(caller.run(stop, interval_s=0.3))
        try:
            state = await wait_for_state(c, call.id, {"done", "no_answer"}, 60)
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
        out, _ = await asyncio.wait_for(phone.communicate(), 30)
        assert state == "done", out.decode(errors="replace")[-1500:]
        assert phone.returncode == 0, out.decode(errors="replace")[-1500:]
        await feedback.poll()  # the overall answer was an evaluation: record it
        async with c.db.session() as s:
            row = await s.get(SurveyCallRow, call.id)
            assert row is not None
            # 7 is no answer: the feedback question is asked again and answered 1.
            assert row.answers == {"overall": 1, "accept": 2, "handle": 3, "feedback": 1,
                                   "close": 2}  # fmt: skip
            assert row.attempts == 1
            ratings = {
                r.stage: (r.rating, r.source, r.unit_id)
                for r in await s.scalars(select(RatingRow).where(RatingRow.case_id == row.case_id))
            }
            case = await s.scalar(select(CaseRow).where(CaseRow.number == number))
        assert ratings == {
            "overall": (1, "ivr", unit), "accept": (2, "ivr", unit), "handle": (3, "ivr", unit),
            "feedback": (1, "ivr", unit), "close": (2, "ivr", unit),
        }  # fmt: skip
        assert case is not None and case.state == "evaluated"


async def test_unanswered_survey_is_retried_then_given_up(
    survey_settings: Settings, survey_asterisk: SurveyAsterisk
) -> None:
    # Nobody listens on the trunk's contact: every attempt fails to connect.
    settings = survey_settings.model_copy(
        update={
            "feedback": survey_settings.feedback.model_copy(
                update={"survey_max_attempts": 2, "survey_ring_s": 5}
            )
        }
    )
    async with AsyncExitStack() as stack:
        c = await build(settings, stack)
        await completed_case(c, channel="phone", sender="13800000888", hotline="110")
        feedback = FeedbackService(c.db, c.cases, settings.feedback, c.clock)
        await feedback.poll()
        async with c.db.session() as s:
            call = (await s.scalars(select(SurveyCallRow))).one()
        caller = survey_caller(c, feedback, settings)
        stop = asyncio.Event()
        task = asyncio.create_task(caller.run(stop, interval_s=0.3))
        try:
            assert await wait_for_state(c, call.id, {"done", "no_answer"}, 90) == "no_answer"
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
        async with c.db.session() as s:
            row = await s.get(SurveyCallRow, call.id)
        assert row is not None and row.attempts == 2 and row.last_error
