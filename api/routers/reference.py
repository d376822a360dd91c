"""Reference data a client needs to fill forms (districts)."""

from typing import Any

from traceability.places import CURRENT_PROVINCE, DISTRICTS, LEGACY_PROVINCE
from traceability.production.inputs import OTHER, PRODUCTS

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


@router.get("/farm-input-products")
def farm_input_products() -> dict[str, Any]:
    """The products a farm input names by code (``other``, with ``product_name``, for anything else)."""
    items = [
        {"code": p.code, "category": p.category, "name_vi": p.name_vi, "name_en": p.name_en} for p in PRODUCTS.values()
    ]
    return {"items": [*items, {"code": OTHER, "category": None, "name_vi": "Khác", "name_en": "Other"}]}
