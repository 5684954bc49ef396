"""A synthetic Iowa Medicaid roster for bench.attribution: PCPs, members and claim lines from one seed.

Everything comes from one `random.Random(seed)`, drawn in a fixed order, so a seed gives the same rows.
Providers and members cluster around Iowa's cities (some rural, uniform over the state); members are
generated in member-id order and their claim lines with them, so the claims' indexes fill in order.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import cast

import asyncpg

AS_OF = date(2026, 11, 1)  # the attribution date; claims fall in the 3 years before it
DAYS = 3 * 365 + 1
MCOS, MCO_SHARE = ("IA-AG", "IA-TC", "IA-MH"), (0.40, 0.75, 1.0)  # cumulative: 40%, 35%, 25% of members
LAT, LON = (40.4, 43.5), (-96.6, -90.1)
CITIES = [(41.59, -93.62, 0.22), (41.98, -91.67, 0.09), (41.52, -90.58, 0.08), (42.50, -96.40, 0.06),
          (41.66, -91.53, 0.06), (42.49, -92.34, 0.06), (41.26, -95.86, 0.05), (42.03, -93.62, 0.04),
          (42.50, -90.66, 0.04), (43.15, -93.20, 0.02), (41.02, -92.41, 0.02), (42.50, -94.17, 0.02),
          (40.81, -91.11, 0.02)]  # Des Moines .. Burlington, share of people; the remaining 22% rural
CITY_SHARE = list(itertools.accumulate(w for _, _, w in CITIES))
LANGUAGES = [("en", 0.88), ("es", 0.96), ("vi", 0.975), ("bs", 0.985), ("ar", 0.995), ("sw", 1.0)]  # cumulative
LANGUAGE_SHARE = [c for _, c in LANGUAGES]
# A PCP's claim lines, 100 equally likely entries each: 88% qualifying E&M / preventive / wellness codes, the
# rest lab draw, vaccine, urinalysis, strep test, ER visit; 93% in qualifying places (office mostly, telehealth,
# FQHC, rural health clinic), the rest ER, inpatient, urgent care.
PCP_CODES = (["99213"] * 29 + ["99214"] * 25 + ["99212"] * 10 + ["99395", "99396", "99393", "99392", "99203",
             "99204", "99215", "G0439"] * 3 + ["36415", "90471", "81002", "87880"] * 3)
PCP_PLACES = ["11"] * 81 + ["02", "10", "50", "72"] * 3 + ["23", "21", "20", "23", "20", "23", "21"]
SPECIALIST_CODES = ["99243", "99244", "93000", "71046", "99214"]  # consults, ECG, chest X-ray, an E&M
CELL = 0.2  # degrees: the generator's own grid for "a PCP near the member"
MEMBER_COLUMNS = ("member_id", "medicaid_id", "name", "birth_date", "lat", "lon", "language", "household_id",
                  "mco", "eligible_from", "risk_flags", "chosen_npi")
PROVIDER_COLUMNS = ("npi", "name", "is_pcp", "practice_npi", "practice_name", "lat", "lon", "languages",
                    "capacity", "open_panel", "networks")
CLAIM_COLUMNS = ("member_id", "npi", "service_date", "procedure_code", "place_of_service")


def roster_arguments(description: str | None) -> argparse.ArgumentParser:
    """A benchmark's parser with the roster's size and seed (a million members, 5,000 PCPs, 20M claim lines)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--pcps", type=int, default=5_000)
    parser.add_argument("--claims", type=int, default=20_000_000)
    parser.add_argument("--seed", type=int, default=7)
    return parser


def npi(n: int) -> str:
    """A valid NPI (CMS Luhn check over 80840 + the first nine digits) from a serial number."""
    body, total = f"1{n:08d}", 0
    for position, char in enumerate(reversed("80840" + body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str((10 - total % 10) % 10)


def place(rng: random.Random) -> tuple[float, float]:
    """A point in Iowa: near a city (sd ~7 miles) by the cities' shares, else uniform (rural)."""
    k = bisect.bisect(CITY_SHARE, rng.random())
    if k == len(CITIES):
        return rng.uniform(*LAT), rng.uniform(*LON)
    lat, lon, _ = CITIES[k]
    return min(max(rng.gauss(lat, 0.1), LAT[0]), LAT[1]), min(max(rng.gauss(lon, 0.13), LON[0]), LON[1])


class Roster:
    """The generated roster's state between the COPYs; `load` fills the three tables."""

    def __init__(self, seed: int, members: int, pcps: int, claims: int) -> None:
        self.rng, self.members, self.pcps, self.claims = random.Random(seed), members, pcps, claims
        self.providers: list[tuple[object, ...]] = []
        self.near: dict[tuple[int, int, int], list[str]] = {}  # (row, column, mco or -1): PCPs within ~1 cell
        self.days = [AS_OF - timedelta(days=d) for d in range(DAYS)]
        self.counts = {"providers": 0, "members": 0, "claims": 0}
        self.household, self.spot, self.mco = "", (0.0, 0.0), 0  # the current household while generating

    def make_providers(self) -> None:
        rng, practice = self.rng, 0
        for i in range(self.pcps + self.pcps // 10):  # PCPs, then specialists (never candidates)
            pcp = i < self.pcps
            if i == 0 or rng.random() < 0.3:  # practices of ~3 providers
                practice, (lat, lon) = practice + 1, place(rng)
            networks = ([m for m in MCOS if rng.random() < 0.65] or [rng.choice(MCOS)]) if pcp else list(MCOS)
            languages = ["en"] + (["es"] if rng.random() < 0.15 else []) + ([rng.choice("vi bs ar sw".split())]
                                                                           if rng.random() < 0.03 else [])
            lat, lon = lat + rng.gauss(0, 0.01), lon + rng.gauss(0, 0.01)
            self.providers.append((npi(i), f"Provider {i}", pcp, npi(900_000 + practice), f"Practice {practice}",
                                   lat, lon, languages, rng.randint(150, 450) if pcp else 0,
                                   pcp and rng.random() < 0.85, networks))
        grid: dict[tuple[int, int], list[tuple[str, list[str]]]] = {}
        for p in self.providers[: self.pcps]:
            lat, lon, npi_, networks = cast(float, p[5]), cast(float, p[6]), cast(str, p[0]), cast(list[str], p[10])
            grid.setdefault((math.floor(lat / CELL), math.floor(lon / CELL)), []).append((npi_, networks))
        for row, column in itertools.product(range(math.floor(LAT[0] / CELL) - 1, math.floor(LAT[1] / CELL) + 2),
                                             range(math.floor(LON[0] / CELL) - 1, math.floor(LON[1] / CELL) + 2)):
            around = [p for r in (-1, 0, 1) for c in (-1, 0, 1) for p in grid.get((row + r, column + c), ())]
            for m, mco in enumerate((*MCOS, None)):
                self.near[row, column, -1 if mco is None else m] = [n for n, nets in around if mco in (None, *nets)]

    def nearby(self, lat: float, lon: float, mco: int) -> str:
        """A PCP within about a cell of the point, in the MCO's network unless mco is -1; any PCP if none."""
        found = self.near.get((math.floor(lat / CELL), math.floor(lon / CELL), mco))
        return self.rng.choice(found) if found else str(self.providers[self.rng.randrange(self.pcps)][0])

    def member_rows(self, ids: list[int], first: int, claims: list[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
        """Members `first`.. in id order; their claim lines are appended to `claims`."""
        rng, per_member = self.rng, max(0.5, self.claims / (0.8 * self.members) - 0.5)  # E[1 + int(X)] ~ X + 0.5
        specialists = [p[0] for p in self.providers[self.pcps:]]
        for i, member_int in enumerate(ids, start=first):
            member_id = uuid.UUID(int=member_int)
            if i == 0 or rng.random() < 0.45:  # households of ~2.2 members, together and in one MCO
                self.household, self.spot = f"H{i:08d}", place(rng)
                self.mco = bisect.bisect(MCO_SHARE, rng.random())
            lat, lon = (self.spot[0] + rng.gauss(0, 0.005), self.spot[1] + rng.gauss(0, 0.005))
            located = rng.random() < 0.97
            language = LANGUAGES[bisect.bisect(LANGUAGE_SHARE, rng.random())][0]
            chosen = self.nearby(lat, lon, self.mco) if rng.random() < 0.005 else None
            yield (member_id, f"{i % 10**7:07d}{chr(65 + i // 10**7)}", f"Member {i}",
                   date(1950, 1, 1) + timedelta(days=rng.randrange(27_000)), lat if located else None,
                   lon if located else None, language, self.household, MCOS[self.mco],
                   date(2020, 1, 1) + timedelta(days=rng.randrange(2000)), [], chosen)
            if rng.random() < 0.2:
                continue  # no claims at all
            home = self.nearby(lat, lon, self.mco if rng.random() < 0.9 else -1)
            second = self.nearby(lat, lon, -1) if rng.random() < 0.4 else None
            specialist = rng.choice(specialists) if specialists and rng.random() < 0.4 else None
            n = min(DAYS // 3, 1 + int(rng.expovariate(1 / per_member)))
            for day in rng.sample(range(DAYS), n):  # distinct dates: each line is unique
                r = rng.random()
                if specialist and r < 0.12:
                    claims.append((member_id, specialist, self.days[day], rng.choice(SPECIALIST_CODES),
                                   "11" if r < 0.08 else "22"))
                else:
                    claims.append((member_id, second if second and r < 0.35 else home, self.days[day],
                                   PCP_CODES[int(rng.random() * 100)], PCP_PLACES[int(rng.random() * 100)]))

    def chunks(self, chunk: int = 50_000) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
        """Members and their claim lines, `chunk` members at a time in member-id order (after make_providers)."""
        ids = sorted(uuid.UUID(int=self.rng.getrandbits(128), version=4).int for _ in range(self.members))
        for first in range(0, self.members, chunk):
            claims: list[tuple[object, ...]] = []
            members = list(self.member_rows(ids[first:first + chunk], first, claims))
            self.counts["members"] += len(members)
            self.counts["claims"] += len(claims)
            yield members, claims

    async def load(self, conn: asyncpg.Connection, schema: str, chunk: int = 50_000) -> dict[str, int]:
        """Generate and COPY providers, then members and their claims `chunk` members at a time."""
        self.make_providers()
        self.counts["providers"] = len(self.providers)
        await conn.copy_records_to_table("providers", schema_name=schema, columns=PROVIDER_COLUMNS,
                                         records=self.providers)
        for members, claims in self.chunks(chunk):
            await conn.copy_records_to_table("members", schema_name=schema, columns=MEMBER_COLUMNS, records=members)
            await conn.copy_records_to_table("claims", schema_name=schema, columns=CLAIM_COLUMNS, records=claims)
        return self.counts
