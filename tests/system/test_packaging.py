"""The package as pip installs it: the wheel built from this tree carries every module, the example
locustfiles and the version, its metadata is what PyPI accepts, the ``locust-ws`` command of the
installed wheel copies the examples out, and the image's build steps have what the build needs."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from trove_classifiers import classifiers as known_classifiers

import locust_ws

from ..support.paths import ROOT

EXAMPLES = sorted(path.name for path in (ROOT / "locustfiles").glob("*.py") if not path.name.startswith("_"))
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "__pycache__", "*.egg-info", "build", "dist", ".*_cache"
)


def build_wheel(source: Path, output: Path) -> Path:
    """Build the wheel of the project in ``source`` (a copy: a build writes ``build/`` and
    ``*.egg-info`` beside its sources) into ``output``."""
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet"]
    result = subprocess.run(
        [*command, "-w", str(output), str(source)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = output.glob("locust_ws-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "source", ignore=NOT_SOURCES)
    return build_wheel(work / "source", work / "dist")


def read(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name)


def metadata(wheel: Path, name: str = "METADATA") -> str:
    return read(wheel, f"locust_ws-{locust_ws.__version__}.dist-info/{name}").decode()


def test_wheel_carries_every_module_of_the_source_tree(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    for module in sorted((ROOT / "locust_ws").rglob("*.py")):
        name = module.relative_to(ROOT).as_posix()
        assert name in shipped, f"{name} is not in the wheel: list its package under packages in setup.cfg"


def test_wheel_carries_the_chart_script_the_tab_and_the_report_draw_with(wheel: Path):
    name = "locust_ws/reports/charts.js"
    assert read(wheel, name) == (ROOT / name).read_bytes(), "list it under package_data in setup.cfg"


def test_wheel_carries_the_example_locustfiles_as_they_are(wheel: Path):
    assert EXAMPLES, "no example locustfiles in locustfiles/"
    for name in EXAMPLES:
        assert read(wheel, f"locust_ws/examples/{name}") == (ROOT / "locustfiles" / name).read_bytes()


def test_wheel_version_is_the_literal_in_init_that_setuptools_reads_without_importing(wheel: Path):
    module = ast.parse(read(wheel, "locust_ws/__init__.py"))
    literals = [
        node.value.value
        for node in module.body
        if isinstance(node, ast.Assign)
        and [getattr(target, "id", None) for target in node.targets] == ["__version__"]
        and isinstance(node.value, ast.Constant)
    ]
    assert literals == [locust_ws.__version__], "setup.cfg's attr: needs __version__ as one string literal"
    assert Parser().parsestr(metadata(wheel))["Version"] == locust_ws.__version__


def test_wheel_metadata_is_what_pypi_accepts(wheel: Path):
    fields = Parser().parsestr(metadata(wheel))
    unknown = [value for value in fields.get_all("Classifier") if value not in known_classifiers]
    assert unknown == [], f"PyPI refuses an upload with unknown classifiers: {unknown}"
    assert fields["License-Expression"] == "MIT"
    assert "LICENSE" in {Path(name).name for name in zipfile.ZipFile(wheel).namelist()}
    assert "locust-ws = locust_ws.cli:main" in metadata(wheel, "entry_points.txt")


def test_examples_command_of_the_installed_wheel_copies_the_locustfiles(wheel: Path, tmp_path: Path):
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target)]
    result = subprocess.run([*install, str(wheel)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    environment = {**os.environ, "PYTHONPATH": str(target)}

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=60, cwd=tmp_path, env=environment, check=False
        )

    where = run(sys.executable, "-c", "import locust_ws.cli; print(locust_ws.cli.__file__)")
    assert where.stdout.strip().startswith(str(target)), where.stdout + where.stderr
    copied = run(str(target / "bin" / "locust-ws"), "examples", "mine")
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert sorted(path.name for path in (tmp_path / "mine").iterdir()) == EXAMPLES
    for name in EXAMPLES:
        assert (tmp_path / "mine" / name).read_bytes() == (ROOT / "locustfiles" / name).read_bytes()
    assert "locust -f mine/chat.py --headless" in copied.stdout


def test_dockerfile_copies_everything_the_package_build_needs(tmp_path: Path):
    context = tmp_path / "image"
    context.mkdir()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("RUN pip install"):
            break
        if line.startswith("COPY ") and "--" not in line:
            *sources, destination = line.split()[1:]
            for source in sources:
                into = context / destination / source if destination.endswith("/") else context / destination
                copy = shutil.copytree if (ROOT / source).is_dir() else shutil.copyfile
                copy(ROOT / source, into)
    assert build_wheel(context, tmp_path / "dist").name.startswith(f"locust_ws-{locust_ws.__version__}-")


def test_copying_examples_imports_neither_locust_nor_gevent(tmp_path: Path):
    script = (
        "import sys; from locust_ws.cli import main; code = main(['examples', sys.argv[1]]); "
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('locust', 'gevent'))); "
        "sys.exit(code)"
    )
    command = [sys.executable, "-c", script, str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
