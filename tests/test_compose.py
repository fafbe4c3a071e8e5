"""docker-compose.yml: valid against the Compose specification, with only real Neo4j 5 settings
in the Neo4j image's config namespace, and the password by secret file, never in a variable.

No Docker engine runs here, so this is what can be checked without one; the README gives the
start-up steps and what a healthy start looks like.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
SETTINGS = ROOT / "deploy" / "neo4j5-settings.txt"


def allowlist() -> tuple[set[str], set[str]]:
    """(settings, image variables) from deploy/neo4j5-settings.txt."""
    settings, image = set(), set()
    for raw in SETTINGS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("image:"):
            image.add(line.removeprefix("image:").strip())
        else:
            settings.add(line)
    return settings, image


def setting_of(variable: str) -> str:
    """The neo4j.conf setting the image writes for NEO4J_<name>: "_" is ".", "__" is "_"."""
    name = variable.removeprefix("NEO4J_")
    return ".".join(part.replace("\0", "_") for part in name.replace("__", "\0").split("_"))


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with its vendored Compose specification schema (no network)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    run = validate(COMPOSE)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_validator_refuses_an_invalid_compose_file(tmp_path: Path) -> None:
    broken = compose()
    broken["services"]["api"]["depends_on"]["neo4j"]["condition"] = "when_it_feels_like_it"
    bad = tmp_path / "docker-compose.yml"
    bad.write_text(yaml.safe_dump(broken), encoding="utf-8")
    assert validate(bad).returncode != 0


def test_setting_names_map_as_the_image_maps_them() -> None:
    assert setting_of("NEO4J_server_memory_heap_max__size") == "server.memory.heap.max_size"
    assert setting_of("NEO4J_db_transaction_timeout") == "db.transaction.timeout"
    assert setting_of("NEO4J_dbms_security_procedures_unrestricted") == (
        "dbms.security.procedures.unrestricted"
    )


@pytest.mark.parametrize("name", ["neo4j", "api"])
def test_every_neo4j_variable_is_an_image_variable_or_a_neo4j_5_setting(name: str) -> None:
    settings, image = allowlist()
    env = environment(compose()["services"][name])
    for variable in env:
        if not variable.startswith("NEO4J_"):
            continue
        assert variable in image or setting_of(variable) in settings, (
            f"{variable} maps to {setting_of(variable)!r}, which is not a Neo4j 5 setting: "
            "the image would write it to neo4j.conf and strict validation would stop Neo4j"
        )


@pytest.mark.parametrize("variable", ["NEO4J_PASSWORD", "NEO4J_server_memory_heap_max_size"])
def test_names_that_are_not_settings_are_refused(variable: str) -> None:
    settings, image = allowlist()
    assert variable not in image and setting_of(variable) not in settings


def test_no_password_in_any_environment_and_both_services_read_the_secret() -> None:
    data = compose()
    for name, service in data["services"].items():
        for variable, value in environment(service).items():
            assert "PASSWORD" not in variable.upper(), f"{name}: {variable}"
            assert "PASSWORD" not in value.upper(), f"{name}: {variable}={value}"
        assert "neo4j_auth" in service.get("secrets", []), name
    assert data["secrets"]["neo4j_auth"] == {"file": "./secrets/neo4j_auth"}
    neo4j, api = (environment(data["services"][n]) for n in ("neo4j", "api"))
    assert neo4j["NEO4J_AUTH_PATH"] == "/run/secrets/neo4j_auth"
    assert api["KG_GRAPH__NEO4J_AUTH_FILE"] == "/run/secrets/neo4j_auth"
    assert "NEO4J_AUTH" not in neo4j  # the file, not a variable, carries the password


def test_api_waits_for_a_healthy_neo4j_and_reports_ready_only_with_index_and_graph() -> None:
    services = compose()["services"]
    assert services["api"]["depends_on"] == {"neo4j": {"condition": "service_healthy"}}
    neo4j_check = " ".join(services["neo4j"]["healthcheck"]["test"])
    assert "cypher-shell" in neo4j_check and "/run/secrets/neo4j_auth" in neo4j_check
    assert "/health/ready" in " ".join(services["api"]["healthcheck"]["test"])
    assert "/health/ready" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
