"""Phone-number masking: the one place every view uses (need-to-know, R10 privacy).

A mobile number is masked to ``138****5678`` however it is written: with ``+86`` or
``0086`` in front, grouped by spaces or dashes (``139 1234 5678``, ``139-1234-5678``),
or in full-width digits (``１３９１２３４５６７８``) as Chinese input methods produce.
The text around it is kept as it was; only the number changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# Full-width digits, the ideographic space and full-width dash/plus map one
# character to one character, so match offsets in the folded copy are valid in
# the original.
_FOLD = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "\u3000": " ", "－": "-", "＋": "+"}
)
_SEP = r"[ \-]?"
_PHONE = re.compile(
    rf"(?<![\d+])(?P<cc>(?:\+|00)86{_SEP})?(?P<a>1\d{{2}}){_SEP}\d{{4}}{_SEP}(?P<b>\d{{4}})(?!\d)"
)


def mask_phone(text: str) -> str:
    """Every mobile number in ``text`` as ``138****5678`` (``+86 138****5678``)."""
    folded = text.translate(_FOLD)
    out: list[str] = []
    last = 0
    for m in _PHONE.finditer(folded):
        out.append(text[last : m.start()])
        out.append(f"{m['cc'] or ''}{m['a']}****{m['b']}")
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def mask_value(value: Any) -> Any:
    """``mask_phone`` applied to every string inside a JSON-like value (log data)."""
    if isinstance(value, str):
        return mask_phone(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    return value


def _same(text: str) -> str:
    return text


def shown(full_phones: bool) -> Callable[[str], str]:
    """The text filter of a view: unchanged for ``phones:full``, masked otherwise."""
    return _same if full_phones else mask_phone
