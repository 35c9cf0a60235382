"""Weibo errors (see ``channels.errors`` for the whole tree)."""

from __future__ import annotations

from channels.errors import ChannelPayloadInvalid, VendorUnavailable


class WeiboApiError(VendorUnavailable):
    """The open API answered ``{"error", "error_code"}`` or could not be reached."""

    error_id = "weibo-api-failed"

    @property
    def permanent(self) -> bool:
        # 20xxx are request errors (bad id, text too long, repeated content …).
        code = self.details.get("error_code")
        return isinstance(code, int) and 20000 <= code < 21000


class WeiboPushInvalid(ChannelPayloadInvalid):
    error_id = "weibo-push-invalid"
