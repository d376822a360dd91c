"""Labels (SPEC §7): PNG, SVG, PDF and label sheets."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["labels"])
