"""Every relative link of README.md and docs/*.md points at a file that exists, and an anchor at a
heading of that page (``mkdocs build --strict`` checks docs/ too, but not the README, whose links
GitHub follows into docs/*.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ..support.paths import ROOT

DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
HEADING = re.compile(r"^#{1,6} (.+)$", re.M)


def anchor_of(heading: str) -> str:
    """The id Python-Markdown's toc extension (MkDocs, GitHub alike for these headings) gives."""
    text = re.sub(r"[`*]", "", heading).strip().lower()
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text))


def anchors(page: Path) -> set[str]:
    return {
        anchor_of(heading) for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8")))
    }


def relative_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def test_anchor_of_matches_the_ids_of_headings_with_code_and_punctuation():
    assert anchor_of("The session API (`self.client`)") == "the-session-api-selfclient"
    assert anchor_of("Socket.IO") == "socketio"
    assert (
        anchor_of("Reconnects and the reconnect-storm scenario")
        == "reconnects-and-the-reconnect-storm-scenario"
    )


def test_the_readme_links_into_every_docs_page():
    linked = {target.split("#")[0] for target in relative_links(ROOT / "README.md")}
    pages = {f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")}
    assert pages - linked == set()


@pytest.mark.parametrize("page", DOC_FILES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_point_at_existing_files_and_anchors(page: Path):
    broken = []
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor}")
    assert broken == [], f"{page.relative_to(ROOT)}: {broken}"
