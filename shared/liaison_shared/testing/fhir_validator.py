"""HAPI FHIR's validator for tests: FHIR R4 resources checked against the base specification, offline.

The validator is a small Java program (deploy/fhir-validator/: HAPI FHIR's FhirInstanceValidator over
R4's own StructureDefinitions, ValueSets and CodeSystems, no implementation guide, no terminology
server). `deploy/fhir-validator/build.sh` builds its jar once into ~/.cache/liaison/fhir-validator/
(Maven and a JDK 17 needed; the first build downloads HAPI FHIR) and only prints its path after that.
One JVM serves a whole test session: a resource per line on its stdin, a result per line on its stdout.

Codes of code systems the validator does not hold (LOINC, SNOMED CT, our own `urn:liaison:` ones)
are not checked and never count as errors. HAPI's messages may quote the values they object to, so
validate synthetic test data only. A pytest plugin: pyproject's addopts loads it with `-p`.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, TypedDict

import pytest

BUILD_SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "fhir-validator" / "build.sh"
BUILD_SECONDS = 900  # a first build downloads HAPI FHIR and its dependencies from Maven Central
START_SECONDS = 120
ANSWER_SECONDS = 120
BLOCKING = frozenset({"error", "fatal"})


class Issue(TypedDict):
    """One finding of the validator: how bad, where (a FHIRPath-like location), what and HAPI's message id."""

    severity: Literal["fatal", "error", "warning"]
    location: str
    message: str
    messageId: str


class ValidatorFailed(RuntimeError):
    """The validator process could not be built or started, died or stopped answering."""


class HapiValidator:
    """A running HAPI FHIR validator: `validate` returns a resource's errors, `check` every issue."""

    def __init__(self, jar: Path, *, java: str = "java") -> None:
        self._process = subprocess.Popen(
            [java, "-XX:+UseSerialGC", "-jar", str(jar)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, encoding="utf-8", bufsize=1)
        self._answers: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_answers, name="hapi-validator-reader", daemon=True).start()
        ready = self._answer(START_SECONDS)
        if json.loads(ready) != {"ready": True}:
            raise ValidatorFailed("the validator did not announce itself ready")

    def validate(self, resource: dict[str, Any]) -> list[Issue]:
        """The resource's error and fatal issues under base FHIR R4: an empty list when it is valid."""
        return [issue for issue in self.check(resource) if issue["severity"] in BLOCKING]

    def check(self, resource: dict[str, Any]) -> list[Issue]:
        """Every issue HAPI finds in the resource, warnings included (information left out)."""
        if self._process.stdin is None or self._process.poll() is not None:
            raise ValidatorFailed("the validator process is not running")
        self._process.stdin.write(json.dumps(resource, separators=(",", ":")) + "\n")
        self._process.stdin.flush()
        result: dict[str, Any] = json.loads(self._answer(ANSWER_SECONDS))
        issues: list[Issue] = result["issues"]
        return issues

    def close(self) -> None:
        """End the validator: close its stdin (it exits at end of input), kill it if it lingers."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _answer(self, seconds: float) -> str:
        try:
            line = self._answers.get(timeout=seconds)
        except queue.Empty:
            raise ValidatorFailed(f"the validator gave no answer within {seconds} s") from None
        if line is None:
            raise ValidatorFailed(f"the validator exited (code {self._process.wait()})")
        return line

    def _read_answers(self) -> None:
        # A thread of its own, so that a validator that hangs times out instead of blocking the test.
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._answers.put(line)
        self._answers.put(None)


def validator_jar() -> Path:
    """The validator's jar: $LIAISON_FHIR_VALIDATOR_JAR if set, else built (or found current) by build.sh."""
    given = os.environ.get("LIAISON_FHIR_VALIDATOR_JAR")
    if given:
        return Path(given)
    try:
        built = subprocess.run(["bash", str(BUILD_SCRIPT)], check=True, capture_output=True, text=True,
                               timeout=BUILD_SECONDS)
    except subprocess.TimeoutExpired:
        raise ValidatorFailed(f"{BUILD_SCRIPT} took over {BUILD_SECONDS!r} s") from None
    except subprocess.CalledProcessError as error:
        last_lines = "\n".join(str(error.stderr or "").strip().splitlines()[-10:])
        raise ValidatorFailed(f"{BUILD_SCRIPT} failed:\n{last_lines}") from None
    return Path(built.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def hapi_validator() -> Iterator[HapiValidator]:
    """HAPI FHIR's R4 validator for the whole test session (fails loudly without Java and the jar)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("no java on PATH: the HAPI FHIR validator needs a JDK 17 (and Maven to build it)")
    try:
        validator = HapiValidator(validator_jar(), java=java)
    except ValidatorFailed as error:
        pytest.fail(f"HAPI FHIR validator unavailable: {error} (run deploy/fhir-validator/build.sh)")
    try:
        yield validator
    finally:
        validator.close()
