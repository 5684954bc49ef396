"""sla-monitor reads only its own LIAISON_SLA_MONITOR_ variables."""

import pytest

from liaison_sla_monitor.settings import Settings


def test_settings_come_from_the_service_prefix_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_SLA_MONITOR_KAFKA_BOOTSTRAP", "broker-a:9092")
    monkeypatch.setenv("LIAISON_OTHER_KAFKA_BOOTSTRAP", "broker-b:9092")
    settings = Settings()
    assert settings.kafka_bootstrap == "broker-a:9092"
    assert settings.service == "sla-monitor"
    assert settings.schema_name == "sla_monitor"
