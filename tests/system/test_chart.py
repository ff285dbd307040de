"""The Helm chart, the Dockerfile and the compose file: linted, rendered, validated offline against
the Kubernetes schemas, and checked for the structure a distributed run depends on.

The tools come from scripts/install-helm-tools.sh (which .ci/run runs). Without them these tests
skip on a developer machine and FAIL in CI, so a CI run can never pass without checking the chart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..support.paths import ROOT

CHART = ROOT / "charts" / "locust-ws"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))


def find_tool(name: str) -> str:
    candidates = [os.environ.get("LOCUST_WS_HELM_TOOLS", ""), str(Path.home() / ".local/helm-tools/bin")]
    for directory in candidates:
        if directory and (Path(directory) / name).exists():
            return str(Path(directory) / name)
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return found
    message = f"{name} not found: run scripts/install-helm-tools.sh (or set LOCUST_WS_HELM_TOOLS)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def render(*values_args: str) -> list[dict]:
    result = run(find_tool("helm3"), "template", "t", str(CHART), *values_args)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def find(documents: list[dict], kind: str, name: str) -> dict:
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def container(document: dict) -> dict:
    return document["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("helm", ["helm3", "helm4"])
@pytest.mark.parametrize("values", CI_VALUES, ids=lambda path: path.name)
def test_chart_lints_strictly(helm, values):
    result = run(find_tool(helm), "lint", "--strict", str(CHART), "-f", str(values))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("values", CI_VALUES, ids=lambda path: path.name)
def test_rendered_manifests_are_valid_kubernetes(values, tmp_path):
    rendered = run(find_tool("helm3"), "template", "t", str(CHART), "-f", str(values))
    assert rendered.returncode == 0, rendered.stderr
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(rendered.stdout)
    validator = find_tool("kubernetes-validate")
    result = run(validator, "--strict", "--quiet", "-k", "1.30", str(manifest))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARN" not in output  # a kind without a schema is only a warning: count it as a failure


def test_headless_mode_runs_master_and_workers_as_jobs_that_end():
    documents = render("-f", str(CHART / "ci" / "headless-values.yaml"))
    master, worker = (
        find(documents, "Job", "t-locust-ws-master"),
        find(documents, "Job", "t-locust-ws-worker"),
    )
    assert not [d for d in documents if d["kind"] == "Deployment"]
    args = container(master)["args"]
    assert "--headless" in args
    assert "--expect-workers=4" in args
    assert worker["spec"]["parallelism"] == worker["spec"]["completions"] == 4
    for job in (master, worker):
        assert job["spec"]["backoffLimit"] == 0
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert {"--users=2000", "--spawn-rate=100", "--run-time=10m", "--ws-connect-rate=200"} <= set(args)
    assert "--ws-threshold=connect:p95<500ms" in args
    assert "--ws-json=/results/run.json" in args
    assert "--master-host=t-locust-ws-master" in container(worker)["args"]


def test_ui_mode_serves_the_web_ui_and_the_worker_port():
    documents = render("-f", str(CHART / "ci" / "ui-values.yaml"))
    master = find(documents, "Deployment", "t-locust-ws-master")
    assert "--headless" not in container(master)["args"]
    service = find(documents, "Service", "t-locust-ws-master")
    assert {port["port"] for port in service["spec"]["ports"]} == {5557, 8089}
    assert find(documents, "Deployment", "t-locust-ws-worker")["spec"]["replicas"] == 3
    # with no host, the in-cluster demo server is the target
    assert "--host=ws://t-locust-ws-demo:8765" in container(master)["args"]
    find(documents, "Service", "t-locust-ws-demo")


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ("mode=bogus", "value must be one of 'ui', 'headless'"),
        ("worker.replicas=three", "worker/replicas"),
        ("worker.replicaz=3", "additional properties 'replicaz' not allowed"),
        ("host=localhost:8000", "/host"),
    ],
)
def test_schema_rejects_bad_values(override, complaint):
    result = run(find_tool("helm3"), "template", "t", str(CHART), "--set", override)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_a_changed_locustfile_rolls_the_pods():
    def checksum(text: str) -> str:
        documents = render("--set", f"locustfile.inline={text}")
        master = find(documents, "Deployment", "t-locust-ws-master")
        return master["spec"]["template"]["metadata"]["annotations"]["checksum/locustfile"]

    assert checksum("version one") != checksum("version two")


def test_inline_and_existing_configmaps_are_mounted_as_the_locustfile():
    inline = render("--set", "locustfile.inline=print(1)")
    assert find(inline, "ConfigMap", "t-locust-ws-locustfile")["data"] == {"locustfile.py": "print(1)\n"}
    existing = render("-f", str(CHART / "ci" / "existing-configmap-values.yaml"))
    assert not [d for d in existing if d["kind"] == "ConfigMap"]
    master = find(existing, "Job", "t-locust-ws-master")
    assert "--locustfile=/mnt/locustfile/rooms.py" in container(master)["args"]
    volumes = master["spec"]["template"]["spec"]["volumes"]
    assert {"name": "locustfile", "configMap": {"name": "my-locustfiles"}} in volumes


def test_tokens_come_from_a_secret_never_from_values():
    documents = render("-f", str(CHART / "ci" / "ui-values.yaml"))
    env = container(find(documents, "Deployment", "t-locust-ws-worker"))["env"]
    [token] = [variable for variable in env if variable["name"] == "API_TOKEN"]
    assert token == {
        "name": "API_TOKEN",
        "valueFrom": {"secretKeyRef": {"name": "load-test-token", "key": "token"}},
    }


def test_hpa_scales_the_worker_deployment_in_ui_mode():
    documents = render("-f", str(CHART / "ci" / "hpa-values.yaml"))
    hpa = find(documents, "HorizontalPodAutoscaler", "t-locust-ws-worker")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == "t-locust-ws-worker"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 20)
    assert "replicas" not in find(documents, "Deployment", "t-locust-ws-worker")["spec"]
    assert not [
        d for d in render("-f", str(CHART / "ci" / "headless-values.yaml")) if "Autoscaler" in d["kind"]
    ]


@pytest.mark.parametrize("values", CI_VALUES, ids=lambda path: path.name)
def test_every_pod_runs_as_non_root_with_a_read_only_root(values):
    for document in render("-f", str(values)):
        if document["kind"] not in ("Deployment", "Job"):
            continue
        pod = document["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for spec in pod["containers"]:
            assert spec["securityContext"]["readOnlyRootFilesystem"] is True
            assert {"name": "tmp", "mountPath": "/tmp"} in spec["volumeMounts"]


def test_dockerfile_passes_hadolint():
    result = run(find_tool("hadolint"), str(ROOT / "Dockerfile"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_non_root_with_the_locustfiles():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    assert "USER 1000:1000" in lines
    assert any(line.startswith("COPY --chown=1000:1000 locustfiles") for line in lines)


def test_compose_file_runs_a_master_and_scaled_workers():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "--master" in services["master"]["command"]
    assert services["master"]["ports"] == ["127.0.0.1:8089:8089"]
    assert "--worker" in services["worker"]["command"]
    assert "--master-host=master" in services["worker"]["command"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "--host=ws://demo:8765" in services["master"]["command"]


def test_compose_publishes_nothing_beyond_the_loopback_interface():
    """The web UI has no login and starts load on any host typed into it: not for the network."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert published and all(str(port).startswith("127.0.0.1:") for port in published)


def test_every_option_the_chart_passes_is_a_real_locust_option():
    """Parse the rendered master and worker command lines with Locust's own parser, with locust-ws
    loaded: an option the chart invents (or one renamed in the code) fails here, not in a cluster."""
    documents = render("-f", str(CHART / "ci" / "headless-values.yaml"))
    script = (
        "import sys; import locust_ws.plugin; from locust.argument_parser import parse_options; "
        "parse_options(sys.argv[1:]); print('parsed')"
    )
    master_args = container(find(documents, "Job", "t-locust-ws-master"))["args"]
    flags = {arg.split("=", 1)[0] for arg in master_args}
    assert {"--ws-connect-rate", "--ws-connect-jitter", "--ws-threshold", "--ws-json"} <= flags
    for args in (master_args, container(find(documents, "Job", "t-locust-ws-worker"))["args"]):
        result = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0 and "parsed" in result.stdout, result.stderr
