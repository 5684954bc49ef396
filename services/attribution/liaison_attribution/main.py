"""Composition root and entry point of the attribution service."""

from __future__ import annotations

import sys
from pathlib import Path

from liaison_attribution.api import build_router
from liaison_attribution.attribution import Attribution
from liaison_attribution.rules import AttributionConfigError, load_attribution_config
from liaison_attribution.settings import Settings
from liaison_attribution.survey import SurveyError, load_survey
from liaison_shared.program import ProgramError
from liaison_shared.runtime import Runtime, serve
from liaison_shared.static_keys import READ, WRITE, static_keys

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings) -> Runtime:
    """Wire the attribution service; its configuration is loaded (and refused if invalid) first."""
    config = load_attribution_config(settings.config_path)
    runtime = Runtime(settings, migrations=MIGRATIONS)
    runtime.authenticate_with(static_keys({READ: settings.read_key_sha256 + settings.write_key_sha256,
                                           WRITE: settings.write_key_sha256}))
    runtime.add_routers(build_router(runtime, Attribution(config, runtime.outbox), load_survey()))
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except (AttributionConfigError, SurveyError, ProgramError) as refused:
        sys.exit(f"attribution: the configuration does not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
