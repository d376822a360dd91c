"""Where a generated season's farms lie: a GeoJSON Point up to 4 ha, a Polygon above (SPEC §6.1).

Points scatter around their legacy district's centre. Polygons sit one to a cell of a
0.01° lattice (about 1.1 km a side, enough for a 50 ha estate), so that no two plots
overlap: a generated province raises no ``plot_overlap`` by accident. Every plot is
checked against the same outline of Vietnam the platform uses, before it is sent.
"""

import math
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from shapely import Point, Polygon
from shapely.prepared import PreparedGeometry, prep

from traceability import rules
from traceability.places import DISTRICTS
from traceability.production.geometry import vietnam

CELL_DEG = 0.01
POINT_SPREAD_DEG = 0.035
POLYGON_SPREAD_DEG = 0.05
M_PER_DEG_LAT = 110_600.0  # at 11–12° N
M_PER_DEG_LON_EQUATOR = 111_320.0


class Plots:
    """Hands out plots for farms, deterministically from ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[tuple[int, int]] = set()
        self.inside: PreparedGeometry = prep(vietnam())

    def geometry(self, district: str, area_ha: Decimal) -> dict[str, Any]:
        if area_ha <= rules.POLYGON_REQUIRED_ABOVE_HA:
            return self._point(district)
        return self._polygon(district, float(area_ha))

    def _point(self, district: str) -> dict[str, Any]:
        centre = DISTRICTS[district]
        while True:
            lon = centre.lon + max(-3, min(3, self.rng.gauss(0, 1))) * POINT_SPREAD_DEG
            lat = centre.lat + max(-3, min(3, self.rng.gauss(0, 1))) * POINT_SPREAD_DEG
            lon, lat = round(lon, 6), round(lat, 6)
            if self.inside.contains(Point(lon, lat)):
                return {"type": "Point", "coordinates": [lon, lat]}

    def _polygon(self, district: str, area_ha: float) -> dict[str, Any]:
        centre = DISTRICTS[district]
        aspect = self.rng.uniform(1.0, 1.6)
        width_m = math.sqrt(area_ha * 10_000 * aspect)
        height_m = area_ha * 10_000 / width_m
        start = (
            math.floor((centre.lon + self.rng.gauss(0, POLYGON_SPREAD_DEG)) / CELL_DEG),
            math.floor((centre.lat + self.rng.gauss(0, POLYGON_SPREAD_DEG)) / CELL_DEG),
        )
        for cell in _spiral(start):
            if cell in self.taken:
                continue
            ring = _rectangle(cell, width_m, height_m)
            if self.inside.contains(Polygon(ring)):
                self.taken.add(cell)
                return {"type": "Polygon", "coordinates": [ring]}
        raise AssertionError("unreachable: the spiral is endless")  # pragma: no cover


def _rectangle(cell: tuple[int, int], width_m: float, height_m: float) -> list[list[float]]:
    """A closed ring (counter-clockwise, as RFC 7946 asks) centred in ``cell``."""
    lon0, lat0 = (cell[0] + 0.5) * CELL_DEG, (cell[1] + 0.5) * CELL_DEG
    half_lon = width_m / 2 / (M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0)))
    half_lat = height_m / 2 / M_PER_DEG_LAT
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
    return [[round(lon0 + dx * half_lon, 6), round(lat0 + dy * half_lat, 6)] for dx, dy in corners]


def _spiral(start: tuple[int, int]) -> Iterator[tuple[int, int]]:
    """Cells by growing square rings around ``start`` (the nearest free cell wins)."""
    x0, y0 = start
    yield start
    radius = 1
    while True:
        for dx in range(-radius, radius + 1):
            yield (x0 + dx, y0 - radius)
            yield (x0 + dx, y0 + radius)
        for dy in range(-radius + 1, radius):
            yield (x0 - radius, y0 + dy)
            yield (x0 + radius, y0 + dy)
        radius += 1
