"""Plot geometry rules (SPEC §6.1) in the shape the EU deforestation regulation expects.

GeoJSON (RFC 7946), WGS84 lon/lat, 6 decimals; a Point or a Polygon; a polygon
must be closed, valid, inside Vietnam, and its geodesic area within 25% of the
declared area.
"""

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from pyproj import Geod
from shapely import Polygon as ShapelyPolygon
from shapely import make_valid
from shapely.geometry import shape
from shapely.validation import explain_validity

from .. import rules
from ..errors import RuleViolation
from ..units import M2_PER_HA, hectares

_GEOD = Geod(ellps="WGS84")
# The Natural Earth 1:110m outline is coarse; ~5 km of slack keeps border farms
# (Lộc Ninh, Bù Đốp, Bù Gia Mập touch Cambodia) from being refused by its simplification.
VIETNAM_SLACK_DEG = 0.05


@dataclass(frozen=True)
class Plot:
    geometry: dict[str, Any]  # normalised GeoJSON geometry
    area_m2: int | None  # geodesic area of a polygon
    bounds: tuple[float, float, float, float]


@lru_cache(maxsize=1)
def vietnam() -> Any:
    text = resources.files(__package__).joinpath("vietnam.geojson").read_text(encoding="utf-8")
    return shape(json.loads(text)["geometry"]).buffer(VIETNAM_SLACK_DEG)


def geodesic_area_m2(geom: Any) -> float:
    return abs(_GEOD.geometry_area_perimeter(geom)[0])


def _position(value: Any, where: str) -> list[float]:
    ok = (
        isinstance(value, list)
        and len(value) in (2, 3)
        and all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in value)
    )
    if not ok:
        raise RuleViolation(f"{where}: a position is [longitude, latitude] in decimal degrees", code="invalid_geometry")
    lon, lat = float(value[0]), float(value[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RuleViolation(f"{where}: [{lon}, {lat}] is not a WGS84 longitude/latitude pair", code="invalid_geometry")
    return [round(lon, rules.COORDINATE_DECIMALS), round(lat, rules.COORDINATE_DECIMALS)]


def _rings(coordinates: Any) -> list[list[list[float]]]:
    if not isinstance(coordinates, list) or not coordinates:
        raise RuleViolation("a Polygon's coordinates are a list of linear rings", code="invalid_geometry")
    rings = []
    for r, ring in enumerate(coordinates):
        if not isinstance(ring, list) or len(ring) < 4:
            raise RuleViolation(
                f"ring {r} needs at least 4 positions (the first repeated last)", code="invalid_geometry"
            )
        positions = [_position(p, f"ring {r} position {i}") for i, p in enumerate(ring)]
        if positions[0] != positions[-1]:
            raise RuleViolation(
                f"ring {r} is not closed: its last position must repeat the first", code="polygon_not_closed"
            )
        rings.append(positions)
    return rings


def normalise_plot(geometry: Any) -> Plot:
    """Validate a GeoJSON Point or Polygon and return it rounded to 6 decimals."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Point":
        lon, lat = _position(geometry.get("coordinates"), "Point")
        normal: dict[str, Any] = {"type": "Point", "coordinates": [lon, lat]}
        area = None
    elif kind == "Polygon":
        normal = {"type": "Polygon", "coordinates": _rings(geometry.get("coordinates"))}
        poly = shape(normal)
        if not poly.is_valid:
            raise RuleViolation(
                f"the polygon is not valid ({explain_validity(poly)}); redraw it without crossing edges",
                code="polygon_invalid",
            )
        area = round(geodesic_area_m2(poly))
    else:
        raise RuleViolation("geometry must be a GeoJSON Point or Polygon", code="invalid_geometry")
    geom = shape(normal)
    if not vietnam().contains(geom):
        raise RuleViolation(
            "the plot lies outside Vietnam; check that coordinates are [longitude, latitude]", code="outside_vietnam"
        )
    return Plot(normal, area, tuple(geom.bounds))


def check_declared_area(plot: Plot, area_ha: Decimal) -> None:
    """A farm above 4 ha needs a polygon; a polygon's area must match the declared one within 25%."""
    if plot.area_m2 is None:
        if area_ha > rules.POLYGON_REQUIRED_ABOVE_HA:
            raise RuleViolation(
                f"a farm above {rules.POLYGON_REQUIRED_ABOVE_HA} ha must be drawn as a Polygon, not a Point",
                code="polygon_required",
            )
        return
    declared = float(area_ha) * M2_PER_HA
    if abs(plot.area_m2 - declared) > float(rules.AREA_TOLERANCE) * declared:
        raise RuleViolation(
            f"the polygon covers {hectares(plot.area_m2):.2f} ha but area_ha says {area_ha}; "
            f"they must agree within {int(rules.AREA_TOLERANCE * 100)}%",
            code="area_mismatch",
        )


def overlap_m2(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Geodesic area shared by two polygons (0 for points)."""
    ga, gb = shape(a), shape(b)
    if not isinstance(ga, ShapelyPolygon) or not isinstance(gb, ShapelyPolygon) or not ga.intersects(gb):
        return 0.0
    return geodesic_area_m2(make_valid(ga.intersection(gb)))
