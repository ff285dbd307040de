"""MkDocs hook (mkdocs.yml `hooks:`): the API reference may not silently drop a public name.

mkdocstrings renders ``::: locust_ws`` with ``show_if_no_docstring: false``, so a public name
without a docstring would just be missing from the page. This hook turns it into a warning, which
``mkdocs build --strict`` (.ci/run) makes an error. tests/unit/test_docstrings.py runs the same
check without MkDocs.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

log = logging.getLogger("mkdocs.hooks.locust_ws")


def _own_doc(obj: Any) -> str | None:
    """The docstring written on ``obj`` itself: a class does not inherit its base's here."""
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return doc if isinstance(doc, str) and doc.strip() else None


def undocumented_public_names() -> list[str]:
    """Every name of ``locust_ws.__all__``, and every public method or property of a public class
    defined in locust_ws, that has no docstring of its own."""
    import locust_ws

    missing = []
    for name in locust_ws.__all__:
        obj = getattr(locust_ws, name)
        if _own_doc(obj) is None:
            missing.append(name)
        if not (inspect.isclass(obj) and obj.__module__.startswith("locust_ws")):
            continue
        for member_name, member in vars(obj).items():
            if member_name.startswith("_"):
                continue
            function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            if (callable(function) or isinstance(member, property)) and _own_doc(function) is None:
                missing.append(f"{name}.{member_name}")
    return missing


def on_config(config: Any) -> Any:
    """Warn once per public name without a docstring, before anything is rendered."""
    for name in undocumented_public_names():
        log.warning("locust_ws.%s has no docstring: the API reference would leave it out", name)
    return config
