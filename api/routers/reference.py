"""Reference data a client needs to fill forms (districts)."""

from typing import Any

from traceability.places import CURRENT_PROVINCE, DISTRICTS, LEGACY_PROVINCE

from ..routing import strict_router

router = strict_router(prefix="/api/v1", tags=["reference"])


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
