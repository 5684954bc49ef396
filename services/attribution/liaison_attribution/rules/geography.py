"""The geography rule's search: the in-network PCPs with room within a distance of a member, and the best of them.

Sites are bucketed in cells of `CELL_DEGREES`; each cell counts its sites with a free place, kept as
places are taken (free places only go down during a run). For a member, a cell wholly within range
(its farthest corner within the limit, with a margin) adds its count without scoring its sites; a cell
that straddles the limit is scored site by site. The best site, ranked by (not speaking the member's
language, miles, NPI), is then searched in the wholly-within cells nearest first, stopping once no
remaining cell can beat it. Distances are `haversine_miles`, computed with the same expressions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping

EARTH_RADIUS_MILES = 3958.7613
"""Mean Earth radius (IUGG, 6371.0088 km) in statute miles."""

CELL_DEGREES = 0.1
_COLUMNS = round(360 / CELL_DEGREES)
_MARGIN = 1e-6  # relative, on cell bounds: far above rounding, far below any distance that matters

# A site: latitude and longitude in radians, cos(latitude), NPI, casefolded languages.
Site = tuple[float, float, float, str, frozenset[str]]
# What a search finds: sites in range, whether the best does not speak the language, its miles, its NPI.
Found = tuple[int, bool, float, str]


class _Cell:
    __slots__ = ("free", "languages", "sites")

    def __init__(self) -> None:
        self.sites: list[Site] = []
        self.free = 0  # sites with a free place
        self.languages: frozenset[str] = frozenset()


class SiteGrid:
    """The sites of one network, with each cell's count of sites with a free place."""

    def __init__(self, sites: Iterable[tuple[str, float, float, Iterable[str]]], free: Mapping[str, int]) -> None:
        self.cells: dict[tuple[int, int], _Cell] = {}
        self.cell_of: dict[str, tuple[int, int]] = {}
        for npi, lat, lon, languages in sites:
            key = (math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES) % _COLUMNS)
            cell = self.cells.setdefault(key, _Cell())
            phi, spoken = math.radians(lat), frozenset(lang.casefold() for lang in languages if lang)
            cell.sites.append((phi, math.radians(lon), math.cos(phi), npi, spoken))
            cell.languages |= spoken
            cell.free += free[npi] > 0
            self.cell_of[npi] = key

    def filled(self, npi: str) -> None:
        """The provider's last free place was just taken."""
        if (key := self.cell_of.get(npi)) is not None:
            self.cells[key].free -= 1

    def search(self, lat: float, lon: float, language: str, excluded: frozenset[str], free: Mapping[str, int],
               limit: float) -> Found:
        """Sites with room, not excluded, within `limit` miles of (lat, lon); and the best of them."""
        reach = math.degrees(limit / EARTH_RADIUS_MILES) * 1.001 + 1e-9  # in latitude, with a margin
        top = math.radians(min(90.0, abs(lat) + reach))
        # Along any path within `reach` of the member, longitude changes by at most reach / cos(top).
        spread = reach / math.cos(top) if math.cos(top) > reach / 180 else 180.0
        bottom, top_row = (math.floor((lat + edge) / CELL_DEGREES) for edge in (-reach, reach))
        first, end = (math.floor((lon + edge) / CELL_DEGREES) for edge in (-spread, spread))
        wide = end - first + 1 >= _COLUMNS // 4  # cell bounds below assume less than a quarter turn
        phi, lam = math.radians(lat), math.radians(lon)
        cos_phi = math.cos(phi)
        # A cheap rejection first, with a margin so that rounding never refuses anything within `limit`.
        most = math.sin(limit / EARTH_RADIUS_MILES / 2) ** 2 * (1 + 1e-9)  # < 1 (at most 1000 miles)
        within = math.sin(limit / EARTH_RADIUS_MILES / 2) ** 2 * (1 - _MARGIN)
        rows = {row: _row_terms(row, phi) for row in range(bottom, top_row + 1)}
        columns = {} if wide else {column: _column_terms(column, lam) for column in range(first, end + 1)}
        found: Found = (0, True, math.inf, "")
        inside: list[tuple[float, tuple[int, int]]] = []
        for key, column in self._cells_in(bottom, top_row, first, end, wide):
            if wide:
                low, high = 0.0, math.inf
            else:
                low, high = _bounds(rows[key[0]], columns[column], cos_phi)
            if low * (1 - _MARGIN) > most:
                continue
            if high <= within:
                inside.append((low, key))
            else:
                found = _scan(self.cells[key].sites, phi, lam, cos_phi, language, excluded, free, most, limit,
                              found, counting=True)
        counted = sum(self.cells[key].free for _, key in inside)
        if excluded:
            keys = {key for _, key in inside}
            counted -= sum(1 for npi in excluded if self.cell_of.get(npi) in keys and free[npi] > 0)
        inside.sort()
        for low, key in inside:
            cell = self.cells[key]
            if low * (1 - _MARGIN) > _h_of(found[2]):
                if not language or not found[1]:
                    break  # nothing farther can beat the best
                if language not in cell.languages:
                    continue  # only a speaker of the language could beat it from here
            found = _scan(cell.sites, phi, lam, cos_phi, language, excluded, free, most, limit, found,
                          counting=False)
        return found[0] + counted, found[1], found[2], found[3]

    def _cells_in(self, bottom: int, top_row: int, first: int, end: int,
                  wide: bool) -> Iterator[tuple[tuple[int, int], int]]:
        """The non-empty cells in rows [bottom, top_row] and columns [first, end] (modulo a turn), each with
        its column counted from `first` without wrapping."""
        if not wide and (top_row - bottom + 1) * (end - first + 1) <= len(self.cells):
            for row in range(bottom, top_row + 1):
                for column in range(first, end + 1):
                    if (row, column % _COLUMNS) in self.cells:
                        yield (row, column % _COLUMNS), column
            return
        for key in self.cells:
            column = first + (key[1] - first) % _COLUMNS
            if bottom <= key[0] <= top_row and (wide or column <= end):
                yield key, column


def _h_of(miles: float) -> float:
    """The haversine term of a distance in miles (infinite when nothing has been found)."""
    return math.inf if miles == math.inf else math.sin(miles / EARTH_RADIUS_MILES / 2) ** 2


# Per row: (sin^2 of the nearest latitude difference / 2, least cos(latitude), and per edge
# (sin^2 of the latitude difference / 2, cos(latitude))).
_RowTerms = tuple[float, float, tuple[tuple[float, float], tuple[float, float]]]


def _row_terms(row: int, phi: float) -> _RowTerms:
    edges = (math.radians(row * CELL_DEGREES), math.radians((row + 1) * CELL_DEGREES))
    nearest = 0.0 if edges[0] <= phi <= edges[1] else min(abs(edge - phi) for edge in edges)
    south, north = ((math.sin((edge - phi) / 2) ** 2, max(0.0, math.cos(edge))) for edge in edges)
    return math.sin(nearest / 2) ** 2, min(south[1], north[1]), (south, north)


def _column_terms(column: int, lam: float) -> tuple[float, float]:
    """sin^2 of the least and the greatest longitude difference / 2 to the column (not wrapped)."""
    west, east = math.radians(column * CELL_DEGREES) - lam, math.radians((column + 1) * CELL_DEGREES) - lam
    nearest = 0.0 if west <= 0.0 <= east else min(abs(west), abs(east))
    return math.sin(nearest / 2) ** 2, math.sin(max(abs(west), abs(east)) / 2) ** 2


def _bounds(row: _RowTerms, column: tuple[float, float], cos_phi: float) -> tuple[float, float]:
    """Least and greatest haversine term from the member to any point of the cell.

    h = sin^2(dphi / 2) + cos(phi) cos(phi2) sin^2(dlam / 2) grows with |dlam| (below half a turn) and, for
    a fixed dlam below a quarter turn, is least at one latitude and grows away from it: so the greatest
    is at a corner, on the farthest longitude edge.
    """
    nearest, least_cos, ((s_south, cos_south), (s_north, cos_north)) = row
    low = nearest + cos_phi * least_cos * column[0]
    high = max(s_south + cos_phi * cos_south * column[1], s_north + cos_phi * cos_north * column[1])
    return low, high


def _scan(sites: list[Site], phi: float, lam: float, cos_phi: float, language: str, excluded: frozenset[str],
          free: Mapping[str, int], most: float, limit: float, found: Found, *, counting: bool) -> Found:
    """`found` updated with the sites of one cell; their number in range added when `counting`."""
    in_range, best_unmatched, best_miles, best_npi = found
    sin, asin, sqrt = math.sin, math.asin, math.sqrt
    for site_phi, site_lam, site_cos, npi, languages in sites:
        # haversine_miles(member, site), inline for speed; min(1.0, h) is h here.
        h = sin((site_phi - phi) / 2) ** 2 + cos_phi * site_cos * sin((site_lam - lam) / 2) ** 2
        if h > most or free[npi] <= 0 or npi in excluded:
            continue
        miles = 2 * EARTH_RADIUS_MILES * asin(sqrt(h))
        if miles > limit:
            continue
        in_range += counting
        unmatched = not language or language not in languages
        # Ranked by (not speaking the member's language, miles, NPI), spelt out for speed.
        if unmatched < best_unmatched or (unmatched == best_unmatched and (
                miles < best_miles or (miles == best_miles and npi < best_npi))):
            best_unmatched, best_miles, best_npi = unmatched, miles, npi
    return in_range, best_unmatched, best_miles, best_npi
