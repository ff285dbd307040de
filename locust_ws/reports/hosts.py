"""Keeping the secrets of the target host out of what Locust itself renders.

``--host ws://h/echo?token=...`` (or a user class's ``host`` with a token) is shown by Locust in
its web UI (the start form, the user classes, ``/swarm`` answers), in its HTML report (``--html``
and the UI's download, whose file name holds the host too) and nowhere we render ourselves. Locust
offers no hook for that field, so what it renders is post-processed: the host becomes its
``display_url`` (``token=<redacted>``) in every HTML, JSON and CSV response of the web UI and in
the ``--html`` file. The start form then shows the display form; a start request that sends it
back unchanged gets the real host again, so starting a test from the UI still connects with the
token.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from locust.env import Environment
from werkzeug.datastructures import ImmutableMultiDict

from ..redaction import display_url, scrub_url

_TEXT_MIMETYPES = frozenset({"text/html", "application/json", "text/csv", "text/plain"})


def secret_hosts(environment: Environment) -> list[str]:
    """The hosts Locust may render for ``environment`` that carry a secret, longest first (a host
    that is the start of another is replaced after it)."""
    classes = [*environment.user_classes, *(environment.available_user_classes or {}).values()]
    hosts = {environment.host, *(getattr(user_class, "host", None) for user_class in classes)}
    return sorted(
        (host for host in hosts if isinstance(host, str) and host and display_url(host) != host),
        key=len,
        reverse=True,
    )


def scrub_hosts(text: str, hosts: list[str], markup: bool = True) -> str:
    """``text`` with each of ``hosts`` in its display form (``redaction.scrub_url``)."""
    for host in hosts:
        text = scrub_url(text, host, markup)
    return text


def install_host_scrubbing(web_ui: Any, environment: Environment) -> None:
    """Scrub the hosts' secrets from every text response of ``web_ui`` (a ``locust.web.WebUI``),
    and map the display form a start request sends back to the real host."""
    app = web_ui.app

    @app.before_request
    def restore_host() -> None:
        if request.method != "POST" or not request.endpoint or not request.endpoint.endswith("swarm"):
            return
        shown = request.form.get("host")
        for host in secret_hosts(environment):
            if shown == display_url(host):
                form = request.form.copy()
                form["host"] = host
                request.form = ImmutableMultiDict(form)
                return

    @app.after_request
    def scrub_response(response: Response) -> Response:
        hosts = secret_hosts(environment)
        if not hosts:
            return response
        disposition = response.headers.get("Content-Disposition")
        if disposition:
            response.headers["Content-Disposition"] = scrub_hosts(disposition, hosts, markup=False)
        if response.direct_passthrough or response.mimetype not in _TEXT_MIMETYPES:
            return response
        text = response.get_data(as_text=True)
        scrubbed = scrub_hosts(text, hosts, markup=response.mimetype != "text/csv")
        if scrubbed != text:
            response.set_data(scrubbed)
        return response
