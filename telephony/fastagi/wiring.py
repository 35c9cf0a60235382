"""How the composition root builds the FastAGI scripts (``lookup``, ``ivr``) from the
core's services: the IVR engine with its SQL/Redis adapters, the caller lookup, and
the menu caller's live contact."""

from __future__ import annotations

from core.triage.missed import MissedCallRecorder
from core.wiring import CoreServices
from core.worktime.calendar import default_calendar
from ivr.flows import load_flows
from ivr.service import IvrService
from ivr.settings import IvrSettings
from telephony.fastagi.contacts import IvrContacts
from telephony.fastagi.ivr_backend import CalendarHours, SqlIvrBackend
from telephony.fastagi.lookup import CallerLookup
from telephony.fastagi.server import Script, fallback_script, ivr_script, lookup_script
from telephony.fastagi.settings import FastAgiSettings


def build_scripts(c: CoreServices, ivr: IvrSettings, fastagi: FastAgiSettings) -> dict[str, Script]:
    service = IvrService(
        load_flows(ivr.flows_path),
        SqlIvrBackend(c.db, c.workqueue, c.intake, ivr, c.clock),
        CalendarHours(default_calendar(), ivr.hours),
        ivr,
        case_prefix=c.settings.cases.number_prefix,
        clock=c.clock,
    )
    lookup = CallerLookup(
        c.db, c.clock, window_h=fastagi.repeat_window_h, strip_prefixes=ivr.strip_prefixes
    )
    contacts = IvrContacts(
        c.db,
        c.intake,
        c.workqueue,
        c.cases,
        MissedCallRecorder(c.db, c.workqueue, None, c.clock),
        c.clock,
        intake_timeout_s=fastagi.intake_timeout_s,
    )
    return {
        "lookup": lookup_script(lookup),
        "ivr": ivr_script(service, contacts),
        "fallback": fallback_script(contacts),
    }
