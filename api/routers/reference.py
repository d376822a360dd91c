"""Reference data a client needs to fill forms (districts)."""

from typing import Any

from fastapi import APIRouter

from traceability.places import CURRENT_PROVINCE, DISTRICTS, LEGACY_PROVINCE

router = APIRouter(prefix="/api/v1", tags=["reference"])


@router.get("/districts")
def districts() -> dict[str, Any]:
    return {
        "items": [
            {
                "code": d.code,
                "name": d.name,
                "legacy_province": LEGACY_PROVINCE,
                "province": CURRENT_PROVINCE,
                "lat": d.lat,
                "lon": d.lon,
            }
            for d in DISTRICTS.values()
        ]
    }
