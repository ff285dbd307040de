"""Everything that renders the one summary dict: the console table, CSV and JSON, the HTML report
section and the web UI tab, with the charts both draw (``charts.js``); and, for Locust's
``--otel``, the same events as OpenTelemetry instruments (``otel``)."""
