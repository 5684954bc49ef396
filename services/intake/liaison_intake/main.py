"""Composition root and entry point of the intake service."""

from __future__ import annotations

from pathlib import Path

from liaison_intake.settings import Settings
from liaison_shared.runtime import Runtime, serve

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings) -> Runtime:
    """Wire the intake service; nothing connects until the runtime starts."""
    return Runtime(settings, migrations=MIGRATIONS)


def main() -> None:
    serve(bootstrap(Settings()))


if __name__ == "__main__":
    main()
