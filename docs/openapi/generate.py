"""Write each service's OpenAPI document to docs/openapi/<service>.json.

    python docs/openapi/generate.py          # what `make openapi` runs
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

SERVICES = ["intake", "triage", "sla-monitor", "notifier", "attribution", "reporting", "care-coordination"]
HERE = Path(__file__).parent


def document(service: str) -> dict[str, Any]:
    package = "liaison_" + service.replace("-", "_")
    bootstrap = importlib.import_module(f"{package}.main").bootstrap
    settings = importlib.import_module(f"{package}.settings").Settings()
    spec: dict[str, Any] = bootstrap(settings).app().openapi()  # builds the app; connects to nothing
    return spec


def render(service: str) -> str:
    return json.dumps(document(service), indent=2, sort_keys=True) + "\n"


def main() -> None:
    for service in SERVICES:
        path = HERE / f"{service}.json"
        path.write_text(render(service))
        print(path)


if __name__ == "__main__":
    main()
