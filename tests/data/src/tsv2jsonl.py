"""Turn the hand-written TSV sources into the labelled JSON Lines files.

Columns: slice, category, subtype, emergency (1/0), town (official name or -),
hotline (or -), text. Ids are ``<prefix>-<n>`` in file order.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def convert(prefix: str, sources: list[Path]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for path in sources:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 7:
                raise SystemExit(f"{path}:{number}: expected 7 columns, got {len(cols)}")
            slice_, cat, sub, em, town, hotline, text = cols
            record: dict[str, object] = {"id": f"{prefix}-{len(out) + 1:04d}", "text": text}
            if hotline != "-":
                record["hotline"] = hotline
            record.update(
                category=cat,
                subtype=sub,
                emergency=em == "1",
                town=None if town == "-" else town,
                slice=slice_,
            )
            out.append(record)
    return out


if __name__ == "__main__":
    prefix, target, *files = sys.argv[1:]
    rows = convert(prefix, [Path(f) for f in files])
    Path(target).write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    print(f"{len(rows)} records -> {target}")
