"""Structure of the deployment files: Dockerfiles, docker-compose.yml, deploy/k8s.

Nothing here builds an image or starts a container; the tests read the files
so that a renamed console script, a new service, a lost probe or a fixed host
port on a scaled consumer fails CI instead of the next deployment.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from deploy import scaling
from deploy.scaling import LAG_SCALED, consumed_topics

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"

SERVICES = ["intake", "triage", "sla-monitor", "notifier", "attribution", "console", "reporting", "care-coordination"]
CONSUMERS = list(LAG_SCALED)  # scaled on consumer lag; the others (HTTP-facing) on CPU
CPU_SCALED = [service for service in SERVICES if service not in CONSUMERS]
# Run as N instances with `docker compose up --scale`: no host port, no container_name.
SCALED = ["triage", "sla-monitor", "notifier"]
PUBLISHED = {"intake": "8001:8080", "attribution": "8005:8080", "console": "8006:8080", "reporting": "8007:8080",
             "care-coordination": "8008:8080"}
KEYCLOAK_IMAGE = "quay.io/keycloak/keycloak:26.5.6"  # as deploy/local/keycloak.sh
REALM_FILE = ROOT / "deploy" / "local" / "keycloak" / "liaison-realm.json"
COMPOSE_ISSUER = "http://localhost:8180/realms/liaison"  # what tokens name, for callers on the host
COMPOSE_PROVIDER_URL = "http://keycloak:8080/realms/liaison"  # where the services reach it in the network
CONSOLE_CLIENT = "liaison-console"  # the console's public client in the realm (code flow with PKCE)


def env_prefix(service: str) -> str:
    return "LIAISON_" + service.upper().replace("-", "_") + "_"


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def compose_environment(spec: dict[str, Any]) -> dict[str, str]:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def dockerfile_path(service: str) -> Path:
    return ROOT / "services" / service / "Dockerfile"


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, rest = full.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return instructions


def instruction_args(path: Path, keyword: str) -> list[str]:
    return [rest for kw, rest in dockerfile_instructions(path) if kw == keyword]


def exec_form(argument: str) -> list[str]:
    """Arguments of CMD/ENTRYPOINT, exec (JSON) or shell form."""
    if argument.startswith("["):
        value = json.loads(argument)
        assert isinstance(value, list)
        return [str(part) for part in value]
    return shlex.split(argument)


def console_scripts(service: str) -> dict[str, str]:
    pyproject = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    return dict(pyproject["project"].get("scripts", {}))


def kustomization_files() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


def kustomize_documents(directory: Path) -> list[dict[str, Any]]:
    """Every object a kustomization directory lists, following nested directories."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    documents: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        target = (directory / resource).resolve()
        if target.is_dir():
            documents += kustomize_documents(target)
        else:
            documents += [doc for doc in yaml.safe_load_all(target.read_text()) if doc]
    return documents


def base_objects(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in kustomize_documents(BASE) if doc["kind"] == kind}


def container_of(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{deployment['metadata']['name']}: expected one container"
    return containers[0]


def console_redirect_uris() -> list[str]:
    realm = json.loads(REALM_FILE.read_text())
    return next(client["redirectUris"] for client in realm["clients"] if client["clientId"] == CONSOLE_CLIENT)


# --- docker-compose.yml ---------------------------------------------------------------------------------------------


def test_compose_defines_postgres_kafka_keycloak_and_the_eight_services() -> None:
    services = load_compose()["services"]
    assert set(services) == {"postgres", "kafka", "keycloak", *SERVICES}


def test_compose_uses_the_compose_spec_without_a_version_key() -> None:
    assert "version" not in load_compose()


def test_compose_pins_the_official_postgres_and_kafka_images() -> None:
    services = load_compose()["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["kafka"]["image"] == "apache/kafka:4.1.1"


def test_compose_postgres_kafka_and_keycloak_report_health() -> None:
    services = load_compose()["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in " ".join(services["kafka"]["healthcheck"]["test"])
    keycloak = " ".join(services["keycloak"]["healthcheck"]["test"])
    assert "/health/ready" in keycloak and "curl" not in keycloak, "the Keycloak image has no curl"
    assert compose_environment(services["keycloak"])["KC_HEALTH_ENABLED"] == "true"


def test_compose_keycloak_imports_the_realm_file_read_only_and_names_a_stable_issuer() -> None:
    keycloak = load_compose()["services"]["keycloak"]
    assert keycloak["image"] == KEYCLOAK_IMAGE
    command = keycloak["command"] if isinstance(keycloak["command"], list) else shlex.split(keycloak["command"])
    assert command == ["start-dev", "--import-realm"]
    source, target, mode = keycloak["volumes"][0].split(":")
    assert (ROOT / source).resolve() == REALM_FILE and target == "/opt/keycloak/data/import/liaison-realm.json"
    assert mode == "ro"
    env = compose_environment(keycloak)
    assert env["KC_HOSTNAME"] == COMPOSE_ISSUER.removesuffix("/realms/liaison")
    assert env["KC_BOOTSTRAP_ADMIN_USERNAME"] and env["KC_BOOTSTRAP_ADMIN_PASSWORD"].startswith("${")
    assert keycloak["ports"] == ["8180:8080"]
    # The same Keycloak as the native scripts run.
    assert f"version={KEYCLOAK_IMAGE.rsplit(':', 1)[1]}" in (ROOT / "deploy" / "local" / "keycloak.sh").read_text()


def test_compose_kafka_is_a_single_node_kraft_broker_advertised_inside_the_network() -> None:
    env = compose_environment(load_compose()["services"]["kafka"])
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    for key in ("KAFKA_NODE_ID", "KAFKA_LISTENERS", "KAFKA_CONTROLLER_LISTENER_NAMES",
                "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"):
        assert env.get(key), key
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"


def test_compose_postgres_password_comes_from_variable_substitution() -> None:
    env = compose_environment(load_compose()["services"]["postgres"])
    assert env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_builds_from_its_own_dockerfile_with_the_repository_root_as_context(service: str) -> None:
    build = load_compose()["services"][service]["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == f"services/{service}/Dockerfile"
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_has_a_healthcheck_against_its_http_endpoint(service: str) -> None:
    test = load_compose()["services"][service]["healthcheck"]["test"]
    command = " ".join(test) if isinstance(test, list) else test
    assert "/healthz" in command or "/readyz" in command
    assert "curl" not in command, "python:3.11-slim has no curl"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_waits_for_healthy_postgres_kafka_and_keycloak(service: str) -> None:
    depends_on = load_compose()["services"][service]["depends_on"]
    assert isinstance(depends_on, dict), "list form of depends_on cannot wait for health"
    for dependency in ("postgres", "kafka", "keycloak"):
        assert depends_on[dependency]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_gets_30_seconds_to_stop_gracefully(service: str) -> None:
    assert load_compose()["services"][service]["stop_grace_period"] == "30s"


@pytest.mark.parametrize("service", SCALED)
def test_scaled_services_publish_no_host_ports(service: str) -> None:
    assert not load_compose()["services"][service].get("ports")


def test_no_compose_service_has_a_fixed_container_name() -> None:
    services = load_compose()["services"]
    assert [name for name, spec in services.items() if "container_name" in spec] == []


def test_only_the_entry_points_intake_attribution_and_the_console_publish_host_ports() -> None:
    services = load_compose()["services"]
    published = {name: spec["ports"] for name, spec in services.items() if name in SERVICES and spec.get("ports")}
    assert published == {name: [mapping] for name, mapping in PUBLISHED.items()}


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_environment_carries_only_its_own_prefix(service: str) -> None:
    env = compose_environment(load_compose()["services"][service])
    assert env
    assert [key for key in env if not key.startswith(env_prefix(service))] == []


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_points_at_compose_postgres_and_kafka_and_listens_on_8080(service: str) -> None:
    env = compose_environment(load_compose()["services"][service])
    prefix = env_prefix(service)
    assert env[f"{prefix}DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in env[f"{prefix}DATABASE_URL"]
    assert "${POSTGRES_PASSWORD" in env[f"{prefix}DATABASE_URL"], "password must come from substitution"
    assert env[f"{prefix}KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env[f"{prefix}HTTP_HOST"] == "0.0.0.0"
    assert env[f"{prefix}HTTP_PORT"] == "8080"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_accepts_the_issuer_callers_see_and_reaches_keycloak_inside_the_network(
        service: str) -> None:
    env = compose_environment(load_compose()["services"][service])
    prefix = env_prefix(service)
    assert env[f"{prefix}OIDC_ISSUER"] == COMPOSE_ISSUER
    assert env[f"{prefix}OIDC_PROVIDER_URL"] == COMPOSE_PROVIDER_URL


def test_compose_console_comes_back_from_sign_in_where_browsers_reach_it() -> None:
    console = load_compose()["services"]["console"]
    env = compose_environment(console)
    public = urlsplit(env["LIAISON_CONSOLE_PUBLIC_URL"])
    # Its published port, on the host name browsers already use for the provider (the issuer's).
    assert public.hostname == urlsplit(COMPOSE_ISSUER).hostname
    assert console["ports"] == [f"{public.port}:8080"]
    callback = env["LIAISON_CONSOLE_PUBLIC_URL"].rstrip("/") + "/auth/callback"
    assert any(fnmatch.fnmatchcase(callback, allowed) for allowed in console_redirect_uris()), callback
    assert env["LIAISON_CONSOLE_SESSION_KEY"].startswith("${LIAISON_CONSOLE_SESSION_KEY"), "a secret: substitution"


def test_compose_console_calls_intake_and_the_notifier_inside_the_network() -> None:
    services = load_compose()["services"]
    env = compose_environment(services["console"])
    for setting, service in (("INTAKE_URL", "intake"), ("NOTIFIER_URL", "notifier")):
        assert env[f"LIAISON_CONSOLE_{setting}"] == f"http://{service}:8080" and service in services


# --- Dockerfiles ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_builds_from_python_311_slim(service: str) -> None:
    path = dockerfile_path(service)
    assert path.is_file()
    assert instruction_args(path, "FROM") == ["python:3.11-slim"]


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_installs_shared_and_the_service_non_editable_under_the_constraints(service: str) -> None:
    path = dockerfile_path(service)
    copied = " ".join(instruction_args(path, "COPY"))
    for source in ("constraints.txt", "shared/", f"services/{service}/"):
        assert source in copied
    installs = [shlex.split(run) for run in instruction_args(path, "RUN") if "pip install" in run]
    assert len(installs) == 1
    words = installs[0]
    assert words[words.index("-c") + 1] == "constraints.txt"
    assert "./shared" in words and f"./services/{service}" in words
    assert "-e" not in words and "--editable" not in words
    assert "--no-cache-dir" in words


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_cmd_runs_a_console_script_declared_in_the_service_pyproject(service: str) -> None:
    path = dockerfile_path(service)
    cmd = instruction_args(path, "CMD")
    assert len(cmd) == 1
    assert exec_form(cmd[0]) == [f"liaison-{service}"]
    assert f"liaison-{service}" in console_scripts(service)
    assert not instruction_args(path, "ENTRYPOINT")


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_healthcheck_asks_healthz_with_python_urllib(service: str) -> None:
    healthchecks = instruction_args(dockerfile_path(service), "HEALTHCHECK")
    assert len(healthchecks) == 1
    assert "urllib" in healthchecks[0] and "/healthz" in healthchecks[0]
    assert "curl" not in healthchecks[0]


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_runs_as_a_non_root_user(service: str) -> None:
    users = instruction_args(dockerfile_path(service), "USER")
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_serves_on_8080_on_all_interfaces_and_stops_on_sigterm(service: str) -> None:
    path = dockerfile_path(service)
    assert instruction_args(path, "EXPOSE") == ["8080"]
    env = " ".join(instruction_args(path, "ENV"))
    prefix = env_prefix(service)
    assert f"{prefix}HTTP_HOST=0.0.0.0" in env
    assert f"{prefix}HTTP_PORT=8080" in env
    assert instruction_args(path, "STOPSIGNAL") == ["SIGTERM"]


def test_dockerignore_keeps_virtualenv_git_and_caches_out_of_the_build_context() -> None:
    patterns = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    for pattern in (".venv", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache", "**/__pycache__"):
        assert pattern in patterns, pattern
    assert "bench" in patterns or "bench/results" in patterns
    for needed in ("constraints.txt", "shared", "services"):
        assert needed not in patterns, f"{needed} is part of every image"


# --- deploy/k8s -----------------------------------------------------------------------------------------------------


def test_kustomize_base_and_local_overlay_exist() -> None:
    files = kustomization_files()
    assert BASE / "kustomization.yaml" in files
    assert K8S / "overlays" / "local" / "kustomization.yaml" in files


@pytest.mark.parametrize("kustomization", kustomization_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_resource_listed_in_a_kustomization_exists(kustomization: Path) -> None:
    resources = yaml.safe_load(kustomization.read_text()).get("resources", [])
    assert resources
    for resource in resources:
        target = (kustomization.parent / resource).resolve()
        assert target.exists(), f"{kustomization}: {resource} is missing"
        if target.is_dir():
            assert (target / "kustomization.yaml").is_file(), f"{resource} has no kustomization.yaml"


def test_kustomize_base_lists_one_folder_per_service() -> None:
    resources = yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"]
    folders = [r for r in resources if (BASE / r).is_dir()]
    assert sorted(folders) == sorted(SERVICES)


def test_every_service_has_a_deployment_and_a_service() -> None:
    assert set(base_objects("Deployment")) == set(SERVICES)
    assert set(base_objects("Service")) == set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_probes_liveness_on_healthz_and_readiness_on_readyz(service: str) -> None:
    container = container_of(base_objects("Deployment")[service])
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    ports = {port.get("name"): port["containerPort"] for port in container["ports"]}
    assert 8080 in ports.values()
    for probe in ("livenessProbe", "readinessProbe"):
        port = container[probe]["httpGet"]["port"]
        assert port == 8080 or ports.get(port) == 8080


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_sets_resource_requests_and_limits(service: str) -> None:
    resources = container_of(base_objects("Deployment")[service])["resources"]
    for section in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(resources[section]), section


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_runs_non_root_and_allows_30_seconds_for_graceful_shutdown(service: str) -> None:
    pod = base_objects("Deployment")[service]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 30
    assert pod["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_takes_settings_from_liaison_config_and_liaison_secrets_under_its_prefix(service: str) -> None:
    config = base_objects("ConfigMap")["liaison-config"]["data"]
    secret = base_objects("Secret")["liaison-secrets"]
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    env = container_of(base_objects("Deployment")[service])["env"]
    prefix = env_prefix(service)
    assert [var["name"] for var in env if not var["name"].startswith(prefix)] == []
    by_name = {var["name"]: var for var in env}
    database = by_name[f"{prefix}DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert database["name"] == "liaison-secrets" and database["key"] in secret_keys
    bootstrap = by_name[f"{prefix}KAFKA_BOOTSTRAP"]["valueFrom"]["configMapKeyRef"]
    assert bootstrap["name"] == "liaison-config" and bootstrap["key"] in config
    for var in env:
        ref = var.get("valueFrom", {})
        if "configMapKeyRef" in ref:
            assert ref["configMapKeyRef"]["key"] in config, var["name"]
        if "secretKeyRef" in ref:
            assert ref["secretKeyRef"]["key"] in secret_keys, var["name"]
    assert by_name[f"{prefix}HTTP_PORT"]["value"] == "8080"


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_takes_the_openid_provider_from_liaison_config(service: str) -> None:
    config = base_objects("ConfigMap")["liaison-config"]["data"]
    by_name = {var["name"]: var for var in container_of(base_objects("Deployment")[service])["env"]}
    prefix = env_prefix(service)
    for setting in ("OIDC_ISSUER", "OIDC_PROVIDER_URL"):
        ref = by_name[f"{prefix}{setting}"]["valueFrom"]["configMapKeyRef"]
        assert ref == {"name": "liaison-config", "key": setting}
    # Its own client's secret (to ask whether a token is still active) is a secret, not the demo realm's default.
    secret = by_name[f"{prefix}OIDC_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"]
    assert secret == {"name": "liaison-secrets", "key": "OIDC_CLIENT_SECRET"}
    assert config["OIDC_ISSUER"].endswith("/realms/liaison")
    assert config["OIDC_PROVIDER_URL"].endswith("/realms/liaison")


def test_secret_in_the_repository_holds_only_placeholders() -> None:
    secret = base_objects("Secret")["liaison-secrets"]
    assert "data" not in secret, "base64 data would hide whether a value is real"
    assert all("change-me" in value for value in secret["stringData"].values())


@pytest.mark.parametrize("service", CONSUMERS)
def test_consumer_service_scales_with_keda_on_its_consumer_group_lag(service: str) -> None:
    scaled = base_objects("ScaledObject")[service]
    assert scaled["apiVersion"].startswith("keda.sh/")
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] == service
    assert service in base_objects("Deployment")
    assert spec["minReplicaCount"] == 1
    assert spec["maxReplicaCount"] == 6
    assert all(trigger["type"] == "kafka" for trigger in spec["triggers"])
    metadata = [trigger["metadata"] for trigger in spec["triggers"]]
    assert {m["consumerGroup"] for m in metadata} == {service}
    assert all(m["lagThreshold"] == "50" and m["bootstrapServers"] for m in metadata), "values are strings"
    # One trigger for each topic the service's handlers consume, and none other.
    assert sorted(m["topic"] for m in metadata) == consumed_topics(service)


@pytest.mark.parametrize("service", CONSUMERS)
def test_committed_scaled_objects_are_what_the_handlers_generate(service: str) -> None:
    written = (BASE / service / "scaledobject.yaml").read_text()
    assert written == scaling.render(service), "run `make manifests`"


@pytest.mark.parametrize("service", CPU_SCALED)
def test_http_only_services_scale_on_cpu_with_an_hpa_and_no_keda(service: str) -> None:
    assert service not in base_objects("ScaledObject")
    hpa = base_objects("HorizontalPodAutoscaler")[service]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert [metric["resource"]["name"] for metric in hpa["spec"]["metrics"]] == ["cpu"]


def test_attribution_consumes_nothing_so_no_lag_can_scale_it() -> None:
    assert consumed_topics("attribution") == []


def test_console_consumes_but_scales_on_cpu_for_its_pages() -> None:
    # Its consumer only keeps its projection current; what loads it is people's pages.
    assert consumed_topics("console")
    assert "console" in CPU_SCALED and "console" not in LAG_SCALED


def test_console_deployment_takes_its_address_and_session_key_and_calls_the_services_in_the_cluster() -> None:
    config = base_objects("ConfigMap")["liaison-config"]["data"]
    by_name = {var["name"]: var for var in container_of(base_objects("Deployment")["console"])["env"]}
    public = by_name["LIAISON_CONSOLE_PUBLIC_URL"]["valueFrom"]["configMapKeyRef"]
    assert public == {"name": "liaison-config", "key": "CONSOLE_PUBLIC_URL"}
    assert urlsplit(config["CONSOLE_PUBLIC_URL"]).scheme == "https", "people's sessions travel over TLS"
    key = by_name["LIAISON_CONSOLE_SESSION_KEY"]["valueFrom"]["secretKeyRef"]
    assert key == {"name": "liaison-secrets", "key": "CONSOLE_SESSION_KEY"}
    services = base_objects("Service")
    for setting, service in (("INTAKE_URL", "intake"), ("NOTIFIER_URL", "notifier")):
        assert by_name[f"LIAISON_CONSOLE_{setting}"]["value"] == f"http://{service}:8080"
        assert 8080 in [port["port"] for port in services[service]["spec"]["ports"]]


def test_local_overlay_console_comes_back_to_a_redirect_uri_the_demo_realm_allows() -> None:
    overlay = yaml.safe_load((K8S / "overlays" / "local" / "kustomization.yaml").read_text())
    literals = dict(literal.split("=", 1) for generator in overlay["configMapGenerator"]
                    if generator["name"] == "liaison-config" for literal in generator["literals"])
    callback = literals["CONSOLE_PUBLIC_URL"].rstrip("/") + "/auth/callback"
    assert any(fnmatch.fnmatchcase(callback, allowed) for allowed in console_redirect_uris()), callback


def test_autoscaled_deployments_leave_replicas_to_the_autoscaler() -> None:
    assert [name for name, dep in base_objects("Deployment").items() if "replicas" in dep["spec"]] == []


def test_local_overlay_retags_exactly_the_images_the_base_uses() -> None:
    base_images = {container_of(dep)["image"].rsplit(":", 1)[0] for dep in base_objects("Deployment").values()}
    overlay = yaml.safe_load((K8S / "overlays" / "local" / "kustomization.yaml").read_text())
    assert {image["name"] for image in overlay["images"]} == base_images
