"""Fault drills under a steady load (bench/faults.py): kill -9 each service in
turn, Kafka stopped for 60 s, PostgreSQL restarted. Afterwards every accepted
inquiry has exactly one triage decision, its clocks and its new-work e-mail;
nothing accepted is lost or duplicated.

The drills run on a Kafka and a PostgreSQL of the test's own (other ports), so
stopping them disturbs no other test. This is a long test: about 3-5 minutes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.faults import DrillSettings, drill_plan, run_drills
from liaison_shared.kafka import delete_topics
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.private_servers import PrivateKafka, PrivatePostgres

# Not 9092/54329 (shared), 19092/54339 (shared/tests) nor 19492/54359 (python -m bench.faults).
# The broker's controller takes the next port (19393); each server keeps its state by port.
KAFKA_PORT = 19392
POSTGRES_PORT = 54349
RATE = 5.0  # inquiries per second: modest, the machine is shared


@pytest.fixture(scope="module")
def private_kafka() -> Iterator[PrivateKafka]:
    with PrivateKafka(KAFKA_PORT) as broker:
        yield broker


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    with PrivatePostgres(POSTGRES_PORT) as server:
        yield server


@pytest.mark.timeout(1800)
async def test_nothing_accepted_is_lost_or_duplicated_through_faults(
        private_kafka: PrivateKafka, private_postgres: PrivatePostgres, tokens: Tokens, tmp_path: Path) -> None:
    name = f"t{uuid.uuid4().hex[:12]}"
    try:
        results = await run_drills(private_kafka, private_postgres, workdir=tmp_path, name=name,
                                   settings=DrillSettings(rate=RATE, steady_s=4.0, kafka_outage_s=60.0),
                                   log=lambda line: print(line, flush=True), tokens=tokens)
    finally:
        await asyncio.to_thread(private_kafka.start)  # a no-op unless a failed drill left it stopped
        await delete_topics(private_kafka.bootstrap, f"{name}.")

    # run_drills printed each drill's figures (accepted, decided, lost, duplicated, catch-up) as it went.
    names = [r.name for r in results]
    assert names == [d.replace(":", " ") for d in drill_plan()] + ["all (recheck)"]
    for result in results:
        assert result.accepted > 0, result.line()
        assert result.lost == 0, result.line()
        assert result.duplicated == 0, result.line()
        assert result.decided == result.accepted, result.line()
        assert result.wrong == 0, result.line()
        assert result.sample_mismatches == 0, result.line()
        assert not result.crashed and not result.rejected and result.unanswered == 0, result.line()
    kafka = next(r for r in results if r.name == "kafka")
    assert kafka.outage_s >= 60.0, kafka.line()
