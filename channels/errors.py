"""Channel errors, subclassing the platform's tree so the one HTTP handler maps them.

    LiandongError
    ├── InvalidInput (422)
    │   └── ChannelPayloadInvalid        400 channel-payload-invalid
    │       ├── wechat.errors.WeChatXmlInvalid     400 wechat-xml-invalid
    │       ├── wechat.errors.WeChatDecryptFailed  400 wechat-decrypt-failed
    │       └── sms.errors.SmsCallbackInvalid      400 sms-callback-invalid
    ├── AuthError (401)
    │   └── ChannelSignatureInvalid      401 channel-signature-invalid
    │       ├── SignatureExpired         401 signature-expired (outside the timestamp window)
    │       └── ReplayRejected           401 replay-rejected (nonce seen before)
    ├── PermissionDenied (403)
    │   ├── PlaintextRefused             403 plaintext-refused (safe mode required)
    │   └── IdentityCodeWrong            403 identity-code-wrong (binding: bad/expired code)
    ├── Conflict (409)
    │   └── IdentityAlreadyBound         409 identity-already-bound (bound to another phone)
    ├── NotFound (404)
    │   ├── DeviceNotFound               404 device-not-found
    │   └── CaseNotVisible               404 case-not-found (unknown, or not the citizen's)
    └── Unavailable (503)
        └── VendorUnavailable            503 vendor-unavailable (WeChat/SMS API failed)

Messages are safe to show: no stack traces, no secrets, no echoed payloads.
"""

from __future__ import annotations

from core.errors import (
    AuthError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unavailable,
)


class ChannelPayloadInvalid(InvalidInput):
    error_id = "channel-payload-invalid"
    status = 400


class ChannelSignatureInvalid(AuthError):
    error_id = "channel-signature-invalid"


class SignatureExpired(ChannelSignatureInvalid):
    error_id = "signature-expired"


class ReplayRejected(ChannelSignatureInvalid):
    error_id = "replay-rejected"


class PlaintextRefused(PermissionDenied):
    error_id = "plaintext-refused"


class DeviceNotFound(NotFound):
    error_id = "device-not-found"


class VendorUnavailable(Unavailable):
    error_id = "vendor-unavailable"


class CaseNotVisible(NotFound):
    error_id = "case-not-found"


class IdentityCodeWrong(PermissionDenied):
    error_id = "identity-code-wrong"


class IdentityAlreadyBound(Conflict):
    error_id = "identity-already-bound"
