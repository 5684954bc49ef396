"""Every service answers as its OpenAPI document says, under a fuzzer.

Schemathesis (its CLI, as an integrator would run it) sends positive and
negative data, unsupported methods and requests without or with a spoiled
credential to each running service, with the bearer token of a person
signed in on the test OpenID provider: a unit lead (every scope but
audit:read) for the service's routes, compliance for its PHI access audit.
Each run must end without a failure: no 5xx, no status code, content type,
header or body the document does not describe.

One worker: CPython 3.11's AST parser miscounts recursion when two threads
parse at once, which Hypothesis does to describe a filter.

Relaxed, and why (a rule JSON Schema cannot say):
- positive_data_acceptance: schema-valid data is still refused where the rule
  lies beyond JSON Schema: the NPI's Luhn check digit (`npi`, `practice_npi`,
  `chosen_npi`), "not in the future" and "not before the program's start" for
  instants, calendar dates that do not exist (2026-02-30), records that must
  exist (404) or be in a state that allows the action (409). Those answers are
  documented 4xx; the other checks still hold for them.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from liaison_shared.kafka import delete_topics
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system import BIN, LiaisonSystem

MAX_EXAMPLES = 12
RELAXED = ["positive_data_acceptance"]
SERVICES = ["intake", "triage", "sla-monitor", "notifier", "attribution", "reporting", "care-coordination"]
# (triage serves its probes only)
FUZZER = "una"  # a unit lead: every scope but audit:read and care coordination's
FUZZERS = {"care-coordination": "carl"}  # complex case management: care:read and care:write
AUDITOR = "cora"  # compliance: audit:read
AUDIT_PATHS = r"^/v1/access-audit"  # the PHI access audit, served by each service that serves PHI


@pytest.fixture(scope="module")
async def system(database_url: str, kafka_bootstrap: str, mailbox: Any, tokens: Tokens,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiaisonSystem]:
    name = f"t{uuid.uuid4().hex[:12]}"
    running = LiaisonSystem(name=name, database_url=database_url, bootstrap=kafka_bootstrap,
                            workdir=Path(tmp_path_factory.mktemp(name)), smtp_port=mailbox.port, tokens=tokens)
    await running.start(*SERVICES)
    try:
        yield running
    finally:
        await running.stop()
        await delete_topics(kafka_bootstrap, running.topic_prefix)


@pytest.mark.parametrize("service", SERVICES)
async def test_service_answers_as_its_openapi_document_says(system: LiaisonSystem, service: str,
                                                            tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=system.url(service), timeout=10) as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
    # Who reaches what: the audit's routes are compliance's; the rest a unit lead's, who holds every other scope.
    runs = [(FUZZERS.get(service, FUZZER), ["--exclude-path-regex", AUDIT_PATHS])]
    if any(re.match(AUDIT_PATHS, path) for path in paths):
        runs.append((AUDITOR, ["--include-path-regex", AUDIT_PATHS]))
    for person, selection in runs:
        await fuzz(system, service, person, selection, tmp_path / f"{person}.ndjson")


async def fuzz(system: LiaisonSystem, service: str, person: str, selection: list[str], report: Path) -> None:
    """One Schemathesis run against the service's operations that `selection` picks, as `person`."""
    # A token of its own, just issued, so it outlives the run (a cached one might expire halfway).
    token = await Tokens(system.tokens.issuer).person(person)
    process = await asyncio.create_subprocess_exec(
        str(BIN / "st"), "run", f"{system.url(service)}/openapi.json", *selection, "--checks", "all",
        "--exclude-checks", ",".join(RELAXED), "--mode", "all", "--max-examples", str(MAX_EXAMPLES),
        "--seed", "20261201", "--workers", "1", "--no-color", "--generation-database", "none",
        "--suppress-health-check", "all", "-H", f"Authorization: Bearer {token}",
        "--report", "ndjson", "--report-ndjson-path", str(report),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    text = out.decode(errors="replace")
    assert process.returncode == 0, f"as {person}:\n{text[-12000:]}"
    generated = re.search(r"(\d+) generated, (\d+) passed", text)
    assert generated and int(generated.group(1)) == int(generated.group(2)) > 0, f"as {person}:\n{text[-3000:]}"
    events = [json.loads(line) for line in (await asyncio.to_thread(report.read_text)).splitlines() if line.strip()]
    assert events, f"the fuzzer reported nothing (as {person})"
