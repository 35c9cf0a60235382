"""Hostile and broken WeChat pushes: each gets a 4xx with a typed error id (or
``success`` where WeChat's protocol wants it), no stack trace, nothing written."""

from __future__ import annotations

import base64
import contextlib
import struct

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.errors import ChannelPayloadInvalid
from channels.wechat.crypto import MessageCrypto, aes_key, sign
from channels.wechat.parser import parse_message
from channels.wechat.settings import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN
from channels.wiring import Channels
from simulators.wechat import ACCOUNT_ID, Push, WeChatPusher, message_xml
from tests.channels.conftest import contact_count

pytestmark = pytest.mark.anyio
OPENID = "oQX110citizen000000000000002"
KEY = aes_key(DEMO_AES_KEY)


def raw_encrypt(plain: bytes) -> str:
    """AES-CBC as WeChat does it, but with whatever (broken) plaintext we choose."""
    enc = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def pkcs7(data: bytes) -> bytes:
    pad = 32 - len(data) % 32
    return data + bytes([pad]) * pad


def envelope(pusher: WeChatPusher, encrypt: str) -> Push:
    push = pusher.build("<xml/>")
    ts, nonce = push.params["timestamp"], push.params["nonce"]
    push.params["msg_signature"] = sign(DEMO_TOKEN, ts, nonce, encrypt)
    push.body = f"<xml><ToUserName>{ACCOUNT_ID}</ToUserName><Encrypt>{encrypt}</Encrypt></xml>"
    return push


async def post(client: httpx.AsyncClient, pusher: WeChatPusher, push: Push) -> httpx.Response:
    return await client.post(pusher.url(push), content=push.body.encode())


def assert_clean_4xx(r: httpx.Response, error_id: str) -> None:
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error_id"] == error_id
    assert "Traceback" not in r.text and "File " not in r.text


async def test_wrong_or_missing_signatures_are_401(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels
) -> None:
    push = pusher.build(message_xml("text", OPENID, msg_id=1, Content="x"))
    push.params["msg_signature"] = "f" * 40
    assert_clean_4xx(await post(ch_client, pusher, push), "channel-signature-invalid")
    push = pusher.build(message_xml("text", OPENID, msg_id=2, Content="x"))
    del push.params["signature"]
    assert_clean_4xx(await post(ch_client, pusher, push), "signature-missing")
    assert await contact_count(channels) == 0


async def test_plaintext_push_is_refused_unless_development_allows_it(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    plain = WeChatPusher(DEMO_TOKEN, DEMO_APP_ID, None)
    r = await plain.send(ch_client, message_xml("text", OPENID, msg_id=3, Content="明文"))
    assert_clean_4xx(r, "plaintext-refused")
    assert await contact_count(channels) == 0


@pytest.mark.parametrize(
    "inner",
    [
        # billion laughs
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;'
        '&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Content>&c;</Content></xml>',
        # external entity (XXE)
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<xml><Content>&e;</Content></xml>",
        "<xml><ToUserName>unterminated",
        "<notxml/>",
        "<xml>" + "<a>" * 10 + "</a>" * 10 + "</xml>",
    ],
    ids=["billion-laughs", "xxe", "broken", "wrong-root", "too-deep"],
)
async def test_hostile_xml_inside_a_valid_envelope_is_400(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels, inner: str
) -> None:
    r = await pusher.send(ch_client, inner)
    assert_clean_4xx(r, "wechat-xml-invalid")
    assert await contact_count(channels) == 0


async def test_hostile_outer_envelope_is_400_before_decrypting(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher
) -> None:
    push = pusher.build("<xml/>")
    push.body = (
        '<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1/">]><xml><Encrypt>&e;</Encrypt></xml>'
    )
    assert_clean_4xx(await post(ch_client, pusher, push), "wechat-xml-invalid")


@pytest.mark.parametrize(
    ("plain", "case"),
    [
        (b"0123456789abcdef" + struct.pack(">I", 10**6) + b"<xml/>" + DEMO_APP_ID.encode(), "len"),
        (b"0123456789abcdef" + struct.pack(">I", 6) + b"<xml/>" + b"wxSOMEONEELSE", "appid"),
        (
            b"0123456789abcdef" + struct.pack(">I", 4) + b"\xff\xfe\xfd\xfc" + DEMO_APP_ID.encode(),
            "utf8",
        ),
        (b"0123456789ab", "short"),
    ],
    ids=["length-field", "appid", "invalid-utf8", "no-length"],
)
async def test_broken_decrypted_fields_are_400(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, plain: bytes, case: str
) -> None:
    r = await post(ch_client, pusher, envelope(pusher, raw_encrypt(pkcs7(plain))))
    assert_clean_4xx(r, "wechat-decrypt-failed")


async def test_broken_padding_and_non_block_ciphertext_are_400(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher
) -> None:
    bad_pad = b"x" * 31 + b"\x00"
    r = await post(ch_client, pusher, envelope(pusher, raw_encrypt(bad_pad)))
    assert_clean_4xx(r, "wechat-decrypt-failed")
    inconsistent = b"x" * 29 + b"\x05\x04\x03"
    r = await post(ch_client, pusher, envelope(pusher, raw_encrypt(inconsistent)))
    assert_clean_4xx(r, "wechat-decrypt-failed")
    r = await post(ch_client, pusher, envelope(pusher, base64.b64encode(b"x" * 17).decode()))
    assert_clean_4xx(r, "wechat-decrypt-failed")
    r = await post(ch_client, pusher, envelope(pusher, "not base64!!"))
    assert_clean_4xx(r, "wechat-decrypt-failed")


async def test_oversize_body_is_413_and_invalid_utf8_plain_body_is_400(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher
) -> None:
    push = pusher.build("<xml/>")
    push.body = "<xml>" + "a" * 70_000 + "</xml>"
    assert_clean_4xx(await post(ch_client, pusher, push), "body-too-large")
    push = pusher.build("<xml/>")
    r = await ch_client.post(pusher.url(push), content=b"<xml><Encrypt>\xff\xfe</Encrypt></xml>")
    assert_clean_4xx(r, "wechat-xml-invalid")


async def test_unknown_message_type_is_answered_success_and_writes_nothing(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels
) -> None:
    r = await pusher.send(ch_client, message_xml("hologram", OPENID, msg_id=99, Foo="bar"))
    assert r.status_code == 200 and r.text == "success"
    assert await contact_count(channels) == 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_fuzz_parser_only_raises_typed_errors(data: bytes) -> None:
    with contextlib.suppress(ChannelPayloadInvalid):
        parse_message(data)


XML_FIELDS = st.dictionaries(
    st.sampled_from(["MsgType", "Content", "MsgId", "CreateTime", "Location_X", "Event", "X"]),
    st.text(max_size=30),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(XML_FIELDS, st.sampled_from(["text", "voice", "image", "location", "event", "x"]))
def test_fuzz_structured_messages_only_raise_typed_errors(
    fields: dict[str, str], msg_type: str
) -> None:
    with contextlib.suppress(ChannelPayloadInvalid):
        parse_message(message_xml(msg_type, OPENID, **fields))


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=200))
def test_fuzz_decrypt_only_raises_typed_errors(plain: bytes) -> None:
    crypto = MessageCrypto(DEMO_TOKEN, DEMO_AES_KEY, DEMO_APP_ID)
    for candidate in (raw_encrypt(pkcs7(plain)), base64.b64encode(plain).decode()):
        with contextlib.suppress(ChannelPayloadInvalid):
            crypto.decrypt(candidate)
