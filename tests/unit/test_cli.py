"""``locust-ws examples [DIR]``: the example locustfiles copied out of the installed package."""

from __future__ import annotations

from pathlib import Path

import pytest

from locust_ws import __version__
from locust_ws.cli import main

from ..support.paths import ROOT

LOCUSTFILES = ROOT / "locustfiles"
EXAMPLES = sorted(path.name for path in LOCUSTFILES.glob("*.py") if not path.name.startswith("_"))


def test_examples_are_copied_into_locustfiles_by_default(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["examples"]) == 0
    copied = tmp_path / "locustfiles"
    assert sorted(path.name for path in copied.iterdir()) == EXAMPLES
    for name in EXAMPLES:
        assert (copied / name).read_bytes() == (LOCUSTFILES / name).read_bytes()
    assert "locust -f locustfiles/chat.py --headless -u 10 -r 10 -t 10s" in capsys.readouterr().out


def test_existing_examples_are_not_overwritten_without_force(tmp_path: Path, capsys):
    (tmp_path / "chat.py").write_text("# my own chat test\n")
    assert main(["examples", str(tmp_path)]) == 1
    assert (tmp_path / "chat.py").read_text() == "# my own chat test\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["chat.py"], "nothing else is written"
    error = capsys.readouterr().err
    assert f"{tmp_path / 'chat.py'} already exists" in error
    assert "--force" in error


def test_force_overwrites_the_examples_and_leaves_other_files_alone(tmp_path: Path):
    (tmp_path / "chat.py").write_text("# my own chat test\n")
    (tmp_path / "notes.txt").write_text("keep me\n")
    assert main(["examples", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "chat.py").read_bytes() == (LOCUSTFILES / "chat.py").read_bytes()
    assert (tmp_path / "notes.txt").read_text() == "keep me\n"


def test_version_option_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"locust-ws {__version__}"
