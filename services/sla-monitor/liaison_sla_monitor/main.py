"""Composition root and entry point of the sla-monitor service."""

from __future__ import annotations

from pathlib import Path

from liaison_shared.runtime import Runtime, serve
from liaison_sla_monitor.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings) -> Runtime:
    """Wire the sla-monitor service; nothing connects until the runtime starts."""
    return Runtime(settings, migrations=MIGRATIONS)


def main() -> None:
    serve(bootstrap(Settings()))


if __name__ == "__main__":
    main()
