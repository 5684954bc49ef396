"""attribution reads only its own LIAISON_ATTRIBUTION_ variables."""

import pytest

from liaison_attribution.settings import Settings


def test_settings_come_from_the_service_prefix_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_ATTRIBUTION_KAFKA_BOOTSTRAP", "broker-a:9092")
    monkeypatch.setenv("LIAISON_OTHER_KAFKA_BOOTSTRAP", "broker-b:9092")
    settings = Settings()
    assert settings.kafka_bootstrap == "broker-a:9092"
    assert settings.service == "attribution"
    assert settings.schema_name == "attribution"
