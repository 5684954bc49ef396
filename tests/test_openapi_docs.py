"""docs/openapi/*.json stay in step with the services' code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("openapi_generate", ROOT / "docs" / "openapi" / "generate.py")
assert spec and spec.loader
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


@pytest.mark.parametrize("service", generate.SERVICES)
def test_openapi_document_matches_the_code(service: str) -> None:
    written = (ROOT / "docs" / "openapi" / f"{service}.json").read_text()
    assert written == generate.render(service), "run `make openapi`"


def test_every_intake_post_requires_an_idempotency_key_and_a_credential() -> None:
    paths = generate.document("intake")["paths"]
    posts = [op for item in paths.values() for method, op in item.items() if method == "post"]
    assert len(posts) == 18  # 5 kinds of case, 13 case actions
    for op in posts:
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers
        assert op.get("security"), op["operationId"]
