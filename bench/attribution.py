"""PCP attribution of a whole roster: a full batch run against a raw GROUP BY of the claims, in one run.

    python -m bench.attribution [--members N] [--pcps P] [--claims C] [--seed S] [--per-line] [--profile K]

A seeded synthetic Iowa roster (bench/roster.py) is COPYed into a fresh schema migrated like the
attribution service's. raw: the qualifying-visit GROUP BY over the claims, fetched. full run: read
providers, members and that aggregate, run rules.pcp.assign_roster over every member in this process,
COPY the assignments back. Every member must get exactly one assignment, and no PCP may go over its
capacity except by member choice, or the run fails. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import resource
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg

import liaison_attribution
from bench.intake import VERDICT
from bench.roster import AS_OF, Roster, roster_arguments
from bench.service_process import DATABASE_URL, DSN
from liaison_attribution.contract import AttributionConfig, load_attribution_config
from liaison_attribution.rules.pcp import Member, Provider, Visit, assign_roster, months_before
from liaison_shared.db import create_engine
from liaison_shared.migrations import upgrade

MIGRATIONS = Path(liaison_attribution.__file__).parent / "migrations"
TARGET_S = 120.0
VISITS = ("SELECT member_id, npi, count(*), max(service_date) FROM claims WHERE service_date BETWEEN $1 AND $2 "
          "AND procedure_code = ANY($3) AND place_of_service = ANY($4) GROUP BY member_id, npi")
MEMBERS = ("SELECT member_id, mco, lat, lon, language, household_id, chosen_npi FROM members "
           "WHERE eligible_from <= $1 AND (eligible_to IS NULL OR eligible_to >= $1) AND member_id NOT IN "
           "(SELECT member_id FROM assignments WHERE effective_to IS NULL AND npi IS NOT NULL) ORDER BY member_id")
COUNTS = "SELECT npi, count(*) FROM assignments WHERE effective_to IS NULL AND npi IS NOT NULL GROUP BY npi"
HOUSEHOLDS = ("SELECT m.household_id, a.npi FROM members m JOIN assignments a USING (member_id) "
              "WHERE m.household_id IS NOT NULL AND a.effective_to IS NULL AND a.npi IS NOT NULL")
LINES = ("SELECT member_id, npi, service_date, procedure_code, place_of_service FROM claims "
         "WHERE service_date BETWEEN $1 AND $2")
SAME = ("SELECT count(*) FROM assignments a FULL JOIN first_run f USING (member_id) WHERE a.npi IS DISTINCT FROM "
        "f.npi OR a.method IS DISTINCT FROM f.method OR a.evidence IS DISTINCT FROM f.evidence")
ASSIGNMENT_COLUMNS = ("member_id", "npi", "method", "network_gap", "effective_from", "evidence")
CHECKS = {  # each counts what must be zero
    "members without exactly one assignment": "SELECT count(*) FROM members m WHERE (SELECT count(*) FROM "
    "assignments a WHERE a.member_id = m.member_id AND a.effective_to IS NULL) <> 1",
    "assignments of no member": "SELECT count(*) FROM assignments a WHERE NOT EXISTS "
    "(SELECT 1 FROM members m WHERE m.member_id = a.member_id)",
    "PCPs over capacity other than by choice": "SELECT count(*) FROM providers p JOIN (SELECT npi, count(*) FILTER "
    "(WHERE method <> 'member_choice') AS n FROM assignments GROUP BY npi) a USING (npi) WHERE a.n > p.capacity",
    "rule assignments to closed panels": "SELECT count(*) FROM assignments a JOIN providers p USING (npi) "
    "WHERE NOT p.open_panel AND a.method <> 'member_choice'",
    "assignments outside the member's network": "SELECT count(*) FROM assignments a JOIN members m "
    "USING (member_id) JOIN providers p USING (npi) WHERE NOT p.is_pcp OR NOT m.mco = ANY(p.networks)",
}
OVER = ("SELECT count(*) FROM providers p JOIN (SELECT npi, count(*) AS n FROM assignments GROUP BY npi) a "
        "USING (npi) WHERE a.n > p.capacity")


class Mismatch(Exception):
    """An assignment check failed: the run fails."""


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def raw_group_by(conn: asyncpg.Connection, args: tuple[object, ...]) -> tuple[float, int]:
    """Seconds to run the qualifying-visit GROUP BY and fetch every row; rows."""
    start = time.perf_counter()
    rows = await conn.fetch(VISITS, *args)
    return time.perf_counter() - start, len(rows)


async def full_run(conn: asyncpg.Connection, schema: str, args: tuple[object, ...], per_line: bool = False,
                   profile: int = 0) -> dict[str, float]:
    """Read, build the rules' inputs, assign every member, COPY the assignments: seconds per phase, counts.

    per_line: the visits are every claim line of the lookback, one Visit each (what the service's store.visits
    reads), instead of the qualifying GROUP BY.
    """
    config, t0 = load_attribution_config(), time.perf_counter()
    counts = dict(await conn.fetch(COUNTS))
    provider_rows = await conn.fetch("SELECT * FROM providers")
    member_rows = await conn.fetch(MEMBERS, AS_OF)
    household_rows = await conn.fetch(HOUSEHOLDS)
    visit_rows = await (conn.fetch(LINES, *args[:2]) if per_line else conn.fetch(VISITS, *args))
    t1 = time.perf_counter()
    providers = {p["npi"]: Provider(npi=p["npi"], is_pcp=p["is_pcp"], open_panel=p["open_panel"],
                                    capacity=p["capacity"], assigned=counts.get(p["npi"], 0), lat=p["lat"],
                                    lon=p["lon"], languages=frozenset(p["languages"]),
                                    networks=frozenset(p["networks"]))
                 for p in provider_rows}
    roster = [Member(str(m[0]), m[1], m[2], m[3], m[4], m[5], m[6]) for m in member_rows]
    households: dict[str, list[str]] = {}
    for household_id, npi in household_rows:
        households.setdefault(household_id, []).append(npi)
    household_pcps = {m.member_id: households[m.household_id] for m in roster if m.household_id in households}
    visits: dict[str, list[Visit]] = {}
    if per_line:
        for member_id, npi, day, code, place in visit_rows:
            visits.setdefault(str(member_id), []).append(Visit(npi, day, code, place))
    else:  # rules/pcp.py takes one Visit per claim line: a (member, npi) group of n lines, the last on day d, becomes
        # one qualifying Visit(npi, d) n times, which the rules count exactly as the n lines (n visits, last d)
        code, place = min(config.qualifying_procedure_codes), min(config.qualifying_places_of_service)
        for member_id, npi, n, last in visit_rows:
            visits.setdefault(str(member_id), []).extend([Visit(npi, last, code, place)] * n)
    del member_rows, visit_rows
    t2 = time.perf_counter()
    results = assign_roster(roster, as_of=AS_OF, providers=providers, visits_by_member=visits,
                            household_pcps_by_member=household_pcps, config=config)
    t3 = time.perf_counter()
    records = ((uuid.UUID(m), a.npi, a.method, a.network_gap, AS_OF, json.dumps(a.evidence))
               for m, a in results.items())
    await conn.copy_records_to_table("assignments", schema_name=schema, columns=ASSIGNMENT_COLUMNS, records=records)
    t4 = time.perf_counter()
    tally = Counter("network_gap" if a.network_gap else str(a.method) for a in results.values())
    figures = {"full_s": t4 - t0, "read_s": t1 - t0, "build_s": t2 - t1, "assign_s": t3 - t2, "write_s": t4 - t3,
               "assign_us_per_member": (t3 - t2) / max(1, len(roster)) * 1e6, "peak_mib": peak_mib(),
               "members_with_visits": len(visits), "visits": sum(len(v) for v in visits.values()),
               "gaps_no_coordinates": sum(results[m.member_id].network_gap and m.lat is None for m in roster),
               **{f"method_{k}": v for k, v in tally.items()}}
    if profile:
        profile_assign(roster[:profile], providers, visits, household_pcps, config)
    return figures


def profile_assign(roster: list[Member], providers: dict[str, Provider], visits: dict[str, list[Visit]],
                   household_pcps: dict[str, list[str]], config: AttributionConfig) -> None:
    """cProfile assign_roster over the first K members (full panels as at the start), top functions by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(assign_roster, roster, as_of=AS_OF, providers=providers, visits_by_member=visits,
                     household_pcps_by_member=household_pcps, config=config)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(12)
    lines = [line for line in out.getvalue().splitlines() if line.strip() and "restriction" not in line]
    print(f"\n  cProfile of assign_roster over the first {len(roster):,} members\n" + "\n".join(lines))


async def check(conn: asyncpg.Connection) -> dict[str, int]:
    found = {name: await conn.fetchval(query) for name, query in CHECKS.items()}
    if failed := {name: n for name, n in found.items() if n}:
        raise Mismatch(", ".join(f"{n} {name}" for name, n in failed.items()))
    return {"over_capacity_by_choice": await conn.fetchval(OVER)}


def report(f: dict[str, float]) -> None:
    methods = ", ".join(f"{k[7:]} {v:,.0f}" for k, v in f.items() if k.startswith("method_"))
    print(f"\n  {f['members']:,.0f} members, {f['pcps']:,.0f} PCPs (+{f['providers'] - f['pcps']:,.0f} specialists), "
          f"{f['claims']:,.0f} claim lines, seed {f['seed']:.0f}")
    print(f"  generate + COPY + VACUUM ANALYZE    {f['load_s']:>7.1f} s   (not measured; peak RSS by then "
          f"{f['peak_before_mib']:,.0f} MiB)")
    print(f"  raw GROUP BY qualifying visits      {f['raw_s']:>7.1f} s   {f['raw_rows']:,.0f} (member, npi) rows"
          f"   (first run {f['raw_first_s']:.1f} s)")
    for p, name in (("", "aggregated visits"), ("line_", "one Visit per line")):
        if p + "full_s" not in f:
            continue
        print(f"  full run, {name:<19}       {f[p + 'full_s']:>7.1f} s   {f[p + 'full_s'] / f['raw_s']:.1f}x raw   "
              f"target < {TARGET_S:.0f} s: {VERDICT[f[p + 'full_s'] < TARGET_S]}")
        print(f"    read (SQL, fetched)               {f[p + 'read_s']:>7.1f} s")
        print(f"    build Members, Providers, Visits  {f[p + 'build_s']:>7.1f} s   {f[p + 'visits']:,.0f} visits of "
              f"{f[p + 'members_with_visits']:,.0f} members")
        print(f"    assign_roster                     {f[p + 'assign_s']:>7.1f} s   "
              f"{f[p + 'assign_us_per_member']:.0f} us/member")
        print(f"    write (json + COPY)               {f[p + 'write_s']:>7.1f} s")
        print(f"    peak RSS                          {f[p + 'peak_mib']:>7,.0f} MiB")
    print(f"  by method                           {methods}   ({f['gaps_no_coordinates']:,.0f} of the gaps have no "
          f"coordinates)")
    print(f"  checks                              one assignment per member, capacity, network: PASS   "
          f"({f['over_capacity_by_choice']:.0f} PCPs over capacity by member choice)"
          + ("; per-line run: the same assignments" if "line_full_s" in f else ""))
    print(json.dumps({k: round(v, 3) for k, v in f.items()}))


async def run(args: argparse.Namespace) -> None:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(DATABASE_URL, schema, pool_size=1)
    try:
        await upgrade(engine, schema, MIGRATIONS)
        await engine.dispose()
        conn = await asyncpg.connect(DSN, server_settings={"search_path": schema})
        try:
            start = time.perf_counter()
            loaded = await Roster(args.seed, args.members, args.pcps, args.claims).load(conn, schema)
            for table in ("providers", "members", "claims"):
                await conn.execute(f"VACUUM ANALYZE {table}")
            load_s = time.perf_counter() - start
            config = load_attribution_config()
            query_args = (months_before(AS_OF, config.lookback_months), AS_OF,
                          sorted(config.qualifying_procedure_codes), sorted(config.qualifying_places_of_service))
            raw_first, _ = await raw_group_by(conn, query_args)  # cold: the table's pages come into the caches
            raw_s, raw_rows = await raw_group_by(conn, query_args)
            peak_before = peak_mib()
            figures = await full_run(conn, schema, query_args, profile=args.profile)
            checked = await check(conn)
            if args.per_line:  # again from scratch, one Visit per claim line; the same assignments or fail
                await conn.execute("CREATE TABLE first_run AS SELECT member_id, npi, method, evidence FROM "
                                   "assignments; TRUNCATE assignments")
                line = await full_run(conn, schema, query_args, per_line=True)
                await check(conn)
                if differ := await conn.fetchval(SAME):
                    raise Mismatch(f"{differ} assignments differ between aggregated and per-line visits")
                figures |= {f"line_{k}": v for k, v in line.items() if not k.startswith(("method_", "gaps"))}
        finally:
            await conn.close()
        report({"members": loaded["members"], "pcps": args.pcps, "providers": loaded["providers"],
                "claims": loaded["claims"], "seed": args.seed, "load_s": load_s, "raw_first_s": raw_first,
                "raw_s": raw_s, "raw_rows": raw_rows, "peak_before_mib": peak_before, **figures,
                "ratio": figures["full_s"] / raw_s, **checked}
               | ({"line_ratio": figures["line_full_s"] / raw_s} if args.per_line else {}))
    finally:
        try:
            async with engine.begin() as c:
                await c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await engine.dispose()
        except Exception as exc:
            print(f"cleanup: schema {schema} not dropped: {exc!r}", file=sys.stderr)


def main() -> None:
    parser = roster_arguments(__doc__)
    parser.add_argument("--per-line", action="store_true",
                        help="then the full run again with one Visit per claim line (more time and memory)")
    parser.add_argument("--profile", type=int, default=0, metavar="K",
                        help="after the run, cProfile assign_roster over the first K members")
    try:
        asyncio.run(run(parser.parse_args()))
    except Mismatch as exc:
        sys.exit(f"FAILED: {exc}")


if __name__ == "__main__":
    main()
