"""SMS errors (see ``channels.errors`` for the whole tree)."""

from __future__ import annotations

from channels.errors import ChannelPayloadInvalid, VendorUnavailable


class SmsCallbackInvalid(ChannelPayloadInvalid):
    """A provider callback body that is not the provider's documented JSON."""

    error_id = "sms-callback-invalid"


class SmsSendError(VendorUnavailable):
    """The provider refused or could not be reached; ``permanent`` if retrying is futile."""

    error_id = "sms-send-failed"

    @property
    def permanent(self) -> bool:
        return bool(self.details.get("permanent"))
