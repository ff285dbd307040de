"""Every locustfile in the docs runs: each ```python block of README.md and docs/*.md that defines a
User subclass is written to a file and run headless for 2 s, against the auto-started demo server
or, where the block says so, one of tests/support/recipe_servers.py.

An HTML comment on the line right before a block changes what happens to it:

- ``<!-- not-a-locustfile -->``: a fragment or a shape shown alone; not run;
- ``<!-- locustfile: server=stomp exit=3 -->``: run against that recipe server (``stomp``,
  ``graphql-transport-ws``) and/or expect that exit code (a threshold example that fails on
  purpose). Without a comment a block that defines a User subclass must exit 0.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..support.paths import ROOT
from ..support.third_party_servers import python_command, running

DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?:^<!--\s*(?P<marker>.*?)\s*-->\n)?^```python\n(?P<code>.*?)^```", re.M | re.S)
USER_CLASS = re.compile(r"^class \w+\((?:[\w.]*User)\):", re.M)
RECIPE_SERVER_PATHS = {"graphql-transport-ws": "/graphql", "stomp": "/stomp"}
RUN_ARGS = ("--headless", "-u", "2", "-r", "2", "-t", "2s", "--only-summary")


@dataclass(frozen=True)
class Example:
    """A ```python block of the docs that is a locustfile."""

    where: str
    """``docs/page.md:LINE`` of the fence, as the test id."""
    code: str
    options: dict[str, str] = field(default_factory=dict)


def parse_marker(marker: str | None, where: str) -> dict[str, str] | None:
    """The options of a ``locustfile: k=v ...`` marker, ``{}`` without one, ``None`` to skip."""
    if marker is None:
        return {}
    if marker == "not-a-locustfile":
        return None
    keyword, _, settings = marker.partition(":")
    if keyword != "locustfile":
        raise AssertionError(f"{where}: unknown marker <!-- {marker} -->")
    options = dict(setting.split("=", 1) for setting in settings.split())
    unknown = set(options) - {"server", "exit"}
    assert not unknown, f"{where}: unknown marker options {sorted(unknown)}"
    return options


def examples() -> Iterator[Example]:
    for path in DOC_FILES:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start('code'))}"
            options = parse_marker(match.group("marker"), where)
            if options is not None and USER_CLASS.search(match.group("code")):
                yield Example(where, match.group("code"), options)


EXAMPLES = list(examples())


def test_the_docs_hold_locustfiles_of_every_kind():
    """The extraction finds the blocks it should: a broken pattern would make the test below
    pass by running nothing."""
    places = {example.where.split(":")[0] for example in EXAMPLES}
    assert {"README.md", "docs/writing-locustfiles.md", "docs/coming-from-k6.md", "docs/recipes.md"} <= places
    assert {example.options.get("server") for example in EXAMPLES} >= {None, "stomp", "graphql-transport-ws"}


@pytest.fixture(scope="module")
def recipe_server() -> Iterator[str]:
    """``ws://127.0.0.1:PORT`` of tests/support/recipe_servers.py, for the whole module."""
    script = ROOT / "tests" / "support" / "recipe_servers.py"
    with running(python_command(str(script))) as ports:  # an absolute path: not under SERVERS
        yield f"ws://127.0.0.1:{ports['port']}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.where)
def test_docs_locustfile_runs_headless(example: Example, tmp_path: Path, request: pytest.FixtureRequest):
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(example.code, encoding="utf-8")
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), *RUN_ARGS]
    server = example.options.get("server")
    if server is not None:
        assert server in RECIPE_SERVER_PATHS, f"{example.where}: no recipe server {server!r}"
        command += ["--host", request.getfixturevalue("recipe_server")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, cwd=tmp_path, check=False)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == int(example.options.get("exit", 0)), output
    # It really ran: Locust's table has the connect row of at least one user.
    assert re.search(r"^(?:WS|SIO)\s+connect ", output, re.M), output
