"""The IVR's channel port over an AGI session (STREAM FILE, WAIT FOR DIGIT, GET DATA,
SAY DIGITS, SET VARIABLE, HANGUP). AGI hang-ups become the IVR's ``CallerHungUp``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from ivr.errors import CallerHungUp, IvrChannelError
from prompts.models import SOUND_DIR
from telephony.fastagi.errors import AgiError, AgiHangup
from telephony.fastagi.session import INTERRUPT, AgiSession


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    try:
        yield
    except AgiHangup as exc:
        raise CallerHungUp(exc.message, details=exc.details) from exc
    except AgiError as exc:
        raise IvrChannelError(exc.message, details=exc.details) from exc


def sound(name: str) -> str:
    return f"{SOUND_DIR}/{name}"


class AgiIvrChannel:
    def __init__(self, session: AgiSession) -> None:
        self.session = session

    async def play(self, prompts: Sequence[str], *, interruptible: bool = True) -> str | None:
        async with _translated():
            for name in prompts:
                key = await self.session.stream_file(
                    sound(name), INTERRUPT if interruptible else ""
                )
                if key is not None and interruptible:
                    return key
            return None

    async def wait_key(self, timeout_s: float) -> str | None:
        async with _translated():
            return await self.session.wait_for_digit(int(timeout_s * 1000))

    async def read_digits(self, prompt: str, *, timeout_s: float, max_len: int) -> str:
        async with _translated():
            digits, _ = await self.session.get_data(sound(prompt), int(timeout_s * 1000), max_len)
            return digits

    async def say_digits(self, digits: str) -> None:
        async with _translated():
            await self.session.say_digits(digits)

    async def set_variable(self, name: str, value: str) -> None:
        async with _translated():
            await self.session.set_variable(name, value)

    async def hangup(self) -> None:
        async with _translated():
            await self.session.hangup()


__all__ = ["AgiIvrChannel"]
