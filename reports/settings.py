"""Assessment report settings, nested under the root settings as ``reports``
(env ``LIANDONG_REPORTS__*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ReportSettings(BaseModel):
    # The composite score that ranks units: weights of the three rates (三率).
    weight_ack: float = Field(0.3, ge=0)
    weight_done: float = Field(0.4, ge=0)
    weight_satisfaction: float = Field(0.3, ge=0)
    # R10: townships below the city average AND among the bottom N are named.
    bottom_n: int = Field(10, ge=1, le=30)
    flag_metric: Literal["satisfaction", "score"] = "satisfaction"
    # A CJK font for the PDF charts (Debian fonts-wqy-zenhei or fonts-noto-cjk).
    cjk_fonts: list[str] = Field(
        default_factory=lambda: [
            "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        ]
    )
