"""Set-top-box errors (see ``channels.errors`` for the whole tree)."""

from __future__ import annotations

from channels.errors import ChannelPayloadInvalid, DeviceNotFound


class DeviceUnknown(DeviceNotFound):
    """No household has this box registered, or it was disabled."""

    error_id = "device-not-found"


class AlarmInvalid(ChannelPayloadInvalid):
    error_id = "stb-alarm-invalid"
