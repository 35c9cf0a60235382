"""WeChat errors (see ``channels.errors`` for the whole tree)."""

from __future__ import annotations

from channels.errors import ChannelPayloadInvalid


class WeChatXmlInvalid(ChannelPayloadInvalid):
    """Not well-formed, too deep, or carrying a DTD/entity (XML bomb, XXE)."""

    error_id = "wechat-xml-invalid"


class WeChatDecryptFailed(ChannelPayloadInvalid):
    """AES ciphertext that is not ours: bad base64, block size, padding, length
    field, UTF-8 or AppID."""

    error_id = "wechat-decrypt-failed"


class WeChatMessageUnsupported(ChannelPayloadInvalid):
    """A message type we do not handle; the endpoint still answers ``success``."""

    error_id = "wechat-message-unsupported"
