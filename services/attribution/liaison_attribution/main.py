"""Composition root and entry point of the attribution service."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from liaison_attribution.api import ROUTERS
from liaison_attribution.api.deps import today
from liaison_attribution.bulk_export import BulkExports
from liaison_attribution.contract import AttributionConfigError, load_attribution_config
from liaison_attribution.fhir_groups import AttributionGroups
from liaison_attribution.service import Attribution
from liaison_attribution.settings import Settings
from liaison_attribution.survey import SurveyError, load_survey
from liaison_shared.audit import keep_access_audit
from liaison_shared.program import ProgramError
from liaison_shared.runtime import Runtime, serve

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings) -> Runtime:
    """Wire the attribution service; its configuration is loaded (and refused if invalid) first."""
    config = load_attribution_config(settings.config_path)
    survey = load_survey()
    runtime = Runtime(settings, migrations=MIGRATIONS)
    uses = Attribution(config, runtime.outbox)
    groups = AttributionGroups(uses)
    exports = BulkExports(groups, today)
    runtime.provide(uses, survey, groups, exports)
    runtime.add_routers(*ROUTERS)
    runtime.add_worker(functools.partial(exports.work, runtime))
    keep_access_audit(runtime)
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except (AttributionConfigError, SurveyError, ProgramError) as refused:
        sys.exit(f"attribution: the configuration does not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
