"""The buyer's page: ``GET /01/{gtin}/10/{lot_id}`` (no authentication)."""

from fastapi import APIRouter

router = APIRouter(tags=["pages"])
