"""District contours from a GeoJSON file: validation and all-or-nothing import.

The metropolis publishes its districts' and IRIS' contours as open data (GeoJSON, WGS84). A
file is checked whole before anything is written: a FeatureCollection of Polygon or
MultiPolygon features, rings of at least 4 positions, closed, without a crossing of their own
edges (checked up to ``MAX_CHECKED_VERTICES`` vertices a ring), longitudes and latitudes in
the WGS84 range, each feature naming a known district by a property (``code`` by default)
matched to a district's column (its ``code``, ``iris_code`` or ``qpv_code``). Any error, and
nothing is imported; each error names the feature (its position and its code).

Written with the standard library: shapely does not install from the project's dependencies
here, and these checks are all the map needs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from sqlalchemy import select

from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.timeutil import utcnow
from outreach.models import DistrictContour
from subscribers.models import District

MATCH_COLUMNS = ("code", "iris_code", "qpv_code")
#: Beyond this a ring's self-crossing check (quadratic) is skipped; the drawing still works.
MAX_CHECKED_VERTICES = 2000
#: Names of WGS84 the ``crs`` member may carry (RFC 7946 has no ``crs``; old files do).
WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84",
               "urn:ogc:def:crs:EPSG::4326", "EPSG:4326", "CRS84"}
MAX_ERRORS = 50


class ContourImportError(DomainError):
    """The file is refused; ``errors`` says why, one message per problem."""

    def __init__(self, errors: list[str]):
        shown = errors[:MAX_ERRORS]
        more = len(errors) - len(shown)
        text = "\n".join(shown) + (f"\n… (+{more})" if more > 0 else "")
        super().__init__(text, field="file", status=422)
        self.errors = errors


@dataclass
class ImportResult:
    imported: int = 0
    skipped: list[str] = field(default_factory=list)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _segments_cross(a, b, c, d) -> bool:
    """Do segments ab and cd cross (properly, or touch at a point that is not a shared end)?"""
    def orient(p, q, r) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    def on_segment(p, q, r) -> bool:
        return (min(p[0], r[0]) <= q[0] <= max(p[0], r[0])
                and min(p[1], r[1]) <= q[1] <= max(p[1], r[1]))

    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    if (o1 > 0 > o2 or o1 < 0 < o2) and (o3 > 0 > o4 or o3 < 0 < o4):
        return True
    return ((o1 == 0 and on_segment(a, c, b)) or (o2 == 0 and on_segment(a, d, b))
            or (o3 == 0 and on_segment(c, a, d)) or (o4 == 0 and on_segment(c, b, d)))


def ring_crosses_itself(ring: list) -> bool:
    points = [tuple(p[:2]) for p in ring]
    count = len(points) - 1  # closed: the last point repeats the first
    if count > MAX_CHECKED_VERTICES:
        return False
    for i in range(count):
        for j in range(i + 2, count):
            if i == 0 and j == count - 1:
                continue  # the first and last edges share the closing point
            if _segments_cross(points[i], points[i + 1], points[j], points[j + 1]):
                return True
    return False


def ring_area(ring: list) -> float:
    """Signed area in squared degrees (shoelace)."""
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
               for i in range(len(ring) - 1)) / 2


def _ring_errors(ring: object, where: str) -> list[str]:
    if not isinstance(ring, list) or len(ring) < 4:
        return [_("%(w)s : un anneau a au moins 4 positions.", w=where)]
    for position in ring:
        if (not isinstance(position, list) or len(position) not in (2, 3)
                or not all(_is_number(v) for v in position)):
            return [_("%(w)s : position invalide %(p)s (attendu [longitude, latitude]).",
                      w=where, p=json.dumps(position)[:60])]
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return [_("%(w)s : coordonnées hors de WGS84 (%(lon)s, %(lat)s) ; le fichier est "
                      "peut-être en Lambert-93 : exportez-le en WGS84 (EPSG:4326).",
                      w=where, lon=lon, lat=lat)]
    if ring[0][:2] != ring[-1][:2]:
        return [_("%(w)s : anneau non fermé (la dernière position doit répéter la première).",
                  w=where)]
    if ring_area(ring) == 0:
        return [_("%(w)s : anneau d'aire nulle.", w=where)]
    if ring_crosses_itself(ring):
        return [_("%(w)s : l'anneau se croise lui-même.", w=where)]
    return []


def geometry_errors(geometry: object, where: str) -> list[str]:
    """What is wrong with a geometry (empty: a valid Polygon or MultiPolygon)."""
    if not isinstance(geometry, dict):
        return [_("%(w)s : géométrie absente.", w=where)]
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            return [_("%(w)s : MultiPolygon sans polygone.", w=where)]
        polygons = coordinates
    else:
        return [_("%(w)s : géométrie %(t)s refusée (Polygon ou MultiPolygon attendu).",
                  w=where, t=str(kind)[:30])]
    errors: list[str] = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            errors.append(_("%(w)s : polygone sans anneau.", w=where))
            continue
        for ring in polygon:
            errors += _ring_errors(ring, where)
    return errors


def parse_geojson(raw: bytes | str) -> dict:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ContourImportError([_("Fichier illisible : ce n'est pas du JSON (%(e)s).",
                                    e=str(error)[:120])]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise ContourImportError([_("Le fichier doit être une FeatureCollection GeoJSON.")])
    crs = document.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if name not in WGS84_NAMES:
            raise ContourImportError([_("Système de coordonnées %(c)s refusé : exportez le "
                                        "fichier en WGS84 (EPSG:4326).", c=str(name)[:80])])
    return document


def import_contours(raw: bytes | str, *, property_name: str = "code", match: str = "code",
                    skip_unknown: bool = False, source: str | None = None,
                    imported_by: str | None = None) -> ImportResult:
    """Check the whole file, then store one contour per district (replacing the previous).

    ``property_name``: the feature property holding the code; ``match``: the district column
    it is compared to; ``skip_unknown``: ignore features of codes no district has (a file of
    all the metropolis' IRIS) instead of refusing the file. The caller commits.
    """
    if match not in MATCH_COLUMNS:
        raise DomainError(_("Correspondance inconnue : %(m)s (code, iris_code ou qpv_code).",
                            m=match[:20]), field="match")
    if not property_name or len(property_name) > 60:
        raise DomainError(_("Nom de propriété invalide."), field="property_name")
    document = parse_geojson(raw)
    column = getattr(District, match)
    districts = {str(getattr(d, match)): d for d in db.session.execute(
        select(District).where(column.is_not(None))).scalars()}
    errors: list[str] = []
    result = ImportResult()
    chosen: dict[int, tuple[District, dict]] = {}
    seen: dict[str, int] = {}
    if not document["features"]:
        errors.append(_("Le fichier ne contient aucune entité."))
    for number, feature in enumerate(document["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(_("Entité n° %(n)s : ce n'est pas une Feature.", n=number))
            continue
        properties = feature.get("properties") or {}
        code = properties.get(property_name) if isinstance(properties, dict) else None
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if not isinstance(code, str) or not code.strip():
            errors.append(_("Entité n° %(n)s : propriété « %(p)s » absente.", n=number,
                            p=property_name))
            continue
        code = code.strip()
        where = _("Entité n° %(n)s (%(c)s)", n=number, c=code[:40])
        if code in seen:
            errors.append(_("%(w)s : code déjà vu à l'entité n° %(m)s.", w=where, m=seen[code]))
            continue
        seen[code] = number
        district = districts.get(code)
        problems = geometry_errors(feature.get("geometry"), where)
        errors += problems
        if district is None:
            if skip_unknown:
                result.skipped.append(code)
            else:
                errors.append(_("%(w)s : aucun quartier n'a ce code (%(col)s).", w=where,
                                col=match))
            continue
        if not problems:
            chosen[district.id] = (district, feature["geometry"])
    if errors:
        raise ContourImportError(errors)
    if not chosen:
        raise ContourImportError([_("Aucune entité ne correspond à un quartier connu.")])
    existing = {c.district_id: c for c in db.session.execute(
        select(DistrictContour).where(DistrictContour.district_id.in_(chosen))).scalars()}
    now = utcnow()
    for district_id, (district, geometry) in chosen.items():
        contour = existing.get(district_id) or DistrictContour(district=district)
        contour.geometry = json.dumps({"type": geometry["type"],
                                       "coordinates": geometry["coordinates"]},
                                      separators=(",", ":"))
        contour.source = (source or "")[:200] or None
        contour.imported_at = now
        contour.imported_by = imported_by
        db.session.add(contour)
    db.session.flush()
    result.imported = len(chosen)
    return result


def contours() -> dict[str, dict]:
    """District code → its geometry (parsed)."""
    rows = db.session.execute(select(District.code, DistrictContour.geometry).join(
        DistrictContour, DistrictContour.district_id == District.id)).all()
    return {code: json.loads(geometry) for code, geometry in rows}


#: The source name of the demo's simplified contours (``outreach/data/``): the map says they are
#: illustrative when it draws them.
ILLUSTRATIVE_SOURCE = "demo-district-contours-illustrative.geojson"


def illustrative_in_use() -> bool:
    """True when some contour comes from the demo's illustrative file, not from open data."""
    return db.session.execute(select(DistrictContour.id).where(
        DistrictContour.source == ILLUSTRATIVE_SOURCE).limit(1)).first() is not None
