"""Everything that renders the one summary dict: the console table, CSV and JSON, the HTML report
section with its SVG charts, and the web UI tab; and, for Locust's ``--otel``, the same events as
OpenTelemetry instruments (``otel``)."""
