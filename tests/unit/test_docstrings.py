"""Every public name has a docstring: the API reference (docs/api.md, ``::: locust_ws``) is built
from them and leaves out a name without one. scripts/mkdocs_hooks.py makes the same check a
warning of ``mkdocs build --strict``."""

from __future__ import annotations

import importlib.util

from ..support.paths import ROOT


def load_hooks():
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_name_and_member_has_a_docstring():
    assert load_hooks().undocumented_public_names() == []


def test_a_class_without_its_own_docstring_counts_as_undocumented():
    hooks = load_hooks()

    class Documented:
        """Here."""

    class Inherits(Documented):
        pass

    assert hooks._own_doc(Documented) == "Here."
    assert hooks._own_doc(Inherits) is None
