"""Issue an API key: `liaison-intake-keys NAME SCOPE [SCOPE ...]`.

Prints the key once; only its hash is stored. Uses the intake service's
database settings (LIAISON_INTAKE_DATABASE_URL, LIAISON_INTAKE_DB_SCHEMA).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.exc import IntegrityError

from liaison_intake.auth import issue_key
from liaison_intake.main import MIGRATIONS
from liaison_intake.settings import Settings
from liaison_shared.db import UnitOfWork, create_engine, session_factory
from liaison_shared.migrations import upgrade


async def issue(name: str, scopes: list[str]) -> str:
    settings = Settings()
    engine = create_engine(settings.database_url, settings.schema_name)
    try:
        await upgrade(engine, settings.schema_name, MIGRATIONS)
        async with UnitOfWork(session_factory(engine)) as uow:
            key = await issue_key(uow.session, name=name, scopes=scopes)
            await uow.commit()
    finally:
        await engine.dispose()
    return key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name")
    parser.add_argument("scopes", nargs="+", help="intake:write, inquiry:read, inquiry:act, mco:<CODE>")
    args = parser.parse_args()
    try:
        print(asyncio.run(issue(args.name, args.scopes)))
    except IntegrityError:
        sys.exit(f"a key named {args.name!r} exists already: choose another name")
    except ValueError as invalid:
        sys.exit(str(invalid))


if __name__ == "__main__":
    main()
