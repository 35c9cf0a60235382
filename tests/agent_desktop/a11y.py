"""axe-core (vendored from npm under ``vendor/axe-core``) run inside a page: the
accessibility violations of the impacts we refuse (serious, critical)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
REFUSED = ("serious", "critical")


async def violations(page: Any, include: str | None = None) -> list[str]:
    """``id (impact): target`` of each serious or critical violation on the page.

    The page's context must be opened with ``bypass_csp=True``: the desk's CSP
    (script-src 'self') rightly refuses an injected script."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        """async (include) => {
            const r = await axe.run(include ? { include: [include] } : document,
                                    { resultTypes: ["violations"] });
            return r.violations.map(v => ({ id: v.id, impact: v.impact,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }));
        }""",
        include,
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['targets'])}"
        for v in result
        if v["impact"] in REFUSED
    ]
