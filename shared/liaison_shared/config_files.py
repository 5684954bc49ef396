"""Loading of validated YAML configuration files, with errors that name the file and where each problem is.

`load_config` reads a YAML file (refusing duplicate keys, which PyYAML would silently resolve to
the last one), validates it against a pydantic model and raises a `ConfigError` subclass whose
message has one line per problem: `<file>: <location>: <message>`, for instance
`ruleset.yaml: rules[3].when.source_in[0]: Input should be ... (got 'x')` or
`ruleset.yaml: line 5, column 16: invalid YAML: ...`. Checks that need the whole validated model
(semantic problems) report through `ConfigError.raise_if_any` in the same format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

M = TypeVar("M", bound=BaseModel)

Problem: TypeAlias = tuple[str, str]
"""A problem as ``(location, message)``, e.g. ``("rules[5].id", "duplicate id 'x' (also rules[1])")``."""


class ConfigError(ValueError):
    """A configuration file cannot be used; the message names the file and the location of every problem."""

    @classmethod
    def raise_if_any(cls, origin: str, problems: Sequence[Problem]) -> None:
        """Raise this error with one ``<origin>: <location>: <message>`` line per problem, if there are any."""
        if problems:
            raise cls(_report(origin, problems))


def load_config(path: Path, model: type[M], *, error: type[ConfigError] = ConfigError) -> M:
    """Read the YAML file at ``path`` and validate it as ``model``; raise ``error`` listing every problem.

    An unreadable file, invalid YAML (with its line and column; a duplicate key is invalid) and every
    validation error (at its location, with the offending value when it is a scalar) are refused.
    """
    origin = str(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except (OSError, UnicodeDecodeError) as failure:
        raise error(f"{origin}: cannot read the file: {getattr(failure, 'strerror', None) or failure}") from failure
    except yaml.YAMLError as failure:
        mark = getattr(failure, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(YAML)"
        raise error(f"{origin}: {where}: invalid YAML: {getattr(failure, 'problem', None) or failure}") from failure
    try:
        return model.model_validate(document)
    except ValidationError as failure:
        raise error(_report(origin, [_describe(e) for e in failure.errors(include_url=False)])) from failure


_HASHABLE_SCALARS = (str, int, float, dt.date)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, which PyYAML would silently resolve to the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, _HASHABLE_SCALARS) and key in seen:  # unhashable keys: the base class reports them
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key if isinstance(key, _HASHABLE_SCALARS) else id(key_node))
        return super().construct_mapping(node, deep=deep)


def _describe(error: ErrorDetails) -> Problem:
    where = ""
    for part in error["loc"]:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    message, value = error["msg"].removeprefix("Value error, "), error["input"]
    # Scalars only: for a missing key or a bad mapping the input is the whole parent.
    return where or "(top level)", f"{message} (got {value!r})" if isinstance(value, str | int | float) else message


def _report(origin: str, problems: Sequence[Problem]) -> str:
    return "\n".join(f"{origin}: {where}: {what}" for where, what in problems)
