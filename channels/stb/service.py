"""StbService: signed alarms and heartbeats from registered set-top boxes (R4), and
the supervisor that raises a fault for a box that fell silent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import select

from channels.errors import ChannelSignatureInvalid, ReplayRejected
from channels.ports import Intake
from channels.service import submit
from channels.stb.errors import AlarmInvalid, DeviceUnknown
from channels.stb.ports import NonceStore
from channels.stb.schemas import AlarmIn, AlarmOut, DeviceFault, HeartbeatIn, HeartbeatOut
from channels.stb.settings import StbSettings
from channels.stb.signing import DEVICE_RE, NONCE_RE, device_key, signature_ok
from channels.tables import StbDeviceRow
from channels.wechat.crypto import check_timestamp
from core.cases.schemas import ContactCreate, LocationIn
from core.clock import Clock
from core.orgmap.service import OrgMapService
from core.orgmap.tables import HouseholdRow
from core.storage.engine import Database

log = logging.getLogger(__name__)
CHANNEL = "stb_alarm"
SILENT = "silent"


class StbService:
    def __init__(
        self,
        settings: StbSettings,
        db: Database,
        intake: Intake,
        orgmap: OrgMapService,
        nonces: NonceStore,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.db = db
        self.intake = intake
        self.orgmap = orgmap
        self.nonces = nonces
        self.clock = clock

    async def authenticate(
        self,
        device_id: str | None,
        timestamp: str | None,
        nonce: str | None,
        given: str | None,
        body: bytes,
    ) -> HouseholdRow:
        if not device_id or not DEVICE_RE.match(device_id):
            raise ChannelSignatureInvalid("设备编号无效", error_id="device-id-invalid")
        if not nonce or not NONCE_RE.match(nonce):
            raise ChannelSignatureInvalid("nonce 无效", error_id="nonce-invalid")
        if not given:
            raise ChannelSignatureInvalid("签名缺失", error_id="signature-missing")
        window = self.settings.timestamp_window_s
        check_timestamp(timestamp, self.clock().timestamp(), window)
        async with self.db.session() as s:
            home = await s.scalar(
                select(HouseholdRow).where(HouseholdRow.stb_device_id == device_id)
            )
            dev = await s.get(StbDeviceRow, device_id)
        if home is None or (dev is not None and not dev.enabled):
            raise DeviceUnknown("设备未登记", details={"device_id": device_id})
        key = device_key(
            self.settings.master_secret.get_secret_value(), device_id, dev.key_version if dev else 1
        )
        if not signature_ok(key, device_id, timestamp or "", nonce, body, given):
            raise ChannelSignatureInvalid("签名错误")
        # Checked after the signature, so nobody can burn a box's nonces for it.
        if not await self.nonces.first_use(f"stb:{device_id}:{nonce}", 2 * window):
            raise ReplayRejected("重复的请求（nonce 已使用）")
        return home

    async def alarm(self, home: HouseholdRow, body: AlarmIn) -> AlarmOut:
        device_id = home.stb_device_id or ""
        cams = await self.orgmap.nearest_cameras(home.lat, home.lon, limit=4)
        watched = f"，正在观看摄像头 {body.camera_code}" if body.camera_code else ""
        note = f"：{body.note}" if body.note else ""
        text = f"机顶盒一键报警（{home.head_name}家，{home.address}{watched}）{note}"
        contact = ContactCreate(
            channel=CHANNEL,
            sender=device_id,
            sender_name=home.head_name,
            text=text,
            location=LocationIn(lat=home.lat, lon=home.lon, source="stb", address=home.address),
            idempotency_key=f"stb:{device_id}:{body.alarm_id}",
        )
        try:
            accepted = await submit(self.intake, contact, actor=f"channel:{CHANNEL}")
        except ValueError as exc:
            raise AlarmInvalid("报警内容无效") from exc
        await self._seen(device_id, None)
        return AlarmOut(
            case_number=accepted.case_number,
            duplicate=accepted.duplicate,
            household_address=home.address,
            nearest_cameras=cams,
            message=f"已收到您的报警，编号 {accepted.case_number}，乡镇综治中心正在处理。",
        )

    async def heartbeat(self, home: HouseholdRow, body: HeartbeatIn) -> HeartbeatOut:
        await self._seen(home.stb_device_id or "", body.firmware)
        return HeartbeatOut(ok=True, next_in_s=self.settings.heartbeat_interval_s)

    async def _seen(self, device_id: str, firmware: str | None) -> None:
        now = self.clock()
        async with self.db.session() as s:
            dev = await s.get(StbDeviceRow, device_id)
            if dev is None:
                dev = StbDeviceRow(
                    device_id=device_id, key_version=1, enabled=True, registered_at=now
                )
                s.add(dev)
            if dev.fault:
                log.info("set-top box back online", extra={"device_id": device_id})
            dev.last_seen_at, dev.fault, dev.fault_since = now, None, None
            if firmware:
                dev.firmware = firmware

    async def supervise_once(self) -> int:
        """Mark boxes silent for longer than ``silent_after_s``; returns how many."""
        now = self.clock()
        cutoff = now - timedelta(seconds=self.settings.silent_after_s)
        async with self.db.session() as s:
            rows = list(
                await s.scalars(
                    select(StbDeviceRow).where(
                        StbDeviceRow.enabled.is_(True),
                        StbDeviceRow.fault.is_(None),
                        StbDeviceRow.last_seen_at < cutoff,
                    )
                )
            )
            for dev in rows:
                dev.fault, dev.fault_since = SILENT, now
                log.warning("set-top box silent", extra={"device_id": dev.device_id})
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.supervise_once()
            except Exception:
                log.exception("set-top box supervision round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.supervise_every_s)

    async def faults(self) -> list[DeviceFault]:
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(StbDeviceRow, HouseholdRow)
                    .outerjoin(HouseholdRow, HouseholdRow.stb_device_id == StbDeviceRow.device_id)
                    .where(StbDeviceRow.fault.is_not(None))
                    .order_by(StbDeviceRow.fault_since)
                )
            ).all()
        return [
            DeviceFault(
                device_id=d.device_id,
                fault=d.fault or "",
                fault_since=d.fault_since or d.registered_at,
                last_seen_at=d.last_seen_at,
                household_address=h.address if h else None,
                grid_id=h.grid_id if h else None,
            )
            for d, h in rows
        ]
