"""Loading of validated YAML configuration files: every refusal names the file and where the problem is."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from liaison_shared.config_files import ConfigError, load_config


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    size: int


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    items: tuple[Item, ...]


class CustomError(ConfigError):
    pass


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(CustomError) as caught:
        load_config(path, Config, error=CustomError)
    message = str(caught.value)
    assert all(line.startswith(f"{path}: ") for line in message.splitlines())
    return message


def test_a_valid_file_is_loaded_as_the_model(tmp_path: Path) -> None:
    path = write(tmp_path, "version: '1'\nitems:\n  - {name: a, size: 2}\n")
    assert load_config(path, Config) == Config(version="1", items=(Item(name="a", size=2),))


def test_a_duplicate_key_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "version: '1'\nitems: []\nversion: '2'\n")
    assert f"{path}: line 3, column 1: invalid YAML: duplicate key 'version'" == refusal(path)


def test_a_duplicate_key_in_a_nested_mapping_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "version: '1'\nitems:\n  - name: a\n    size: 1\n    name: b\n")
    assert "line 5, column 5: invalid YAML: duplicate key 'name'" in refusal(path)


def test_a_yaml_syntax_error_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "version: '1'\nitems:\n  - name: [unclosed\n    size: 1\n")
    assert "line 4, column 9: invalid YAML" in refusal(path)


def test_validation_errors_are_refused_at_their_locations(tmp_path: Path) -> None:
    path = write(tmp_path, "version: '1'\nitems:\n  - {name: a, size: 1}\n  - {name: b, size: big, colour: red}\n")
    assert refusal(path).splitlines() == [
        f"{path}: items[1].size: Input should be a valid integer, unable to parse string as an integer (got 'big')",
        f"{path}: items[1].colour: Extra inputs are not permitted (got 'red')",
    ]


def test_a_document_that_is_not_a_mapping_is_refused_at_the_top_level(tmp_path: Path) -> None:
    assert "(top level): Input should be a valid dictionary" in refusal(write(tmp_path, "- a list\n"))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: cannot read the file: No such file"):
        load_config(tmp_path / "nowhere.yaml", Config)


def test_semantic_problems_are_reported_in_the_same_format() -> None:
    CustomError.raise_if_any("config.yaml", [])
    with pytest.raises(CustomError) as caught:
        CustomError.raise_if_any("config.yaml", [("items[1].name", "duplicate name 'a' (also items[0])"),
                                                 ("items", "give at least one")])
    assert str(caught.value) == ("config.yaml: items[1].name: duplicate name 'a' (also items[0])\n"
                                 "config.yaml: items: give at least one")
