"""The example locustfiles. Installed as ``locust_ws.examples`` (see setup.cfg), so a wheel carries
them and ``locust-ws examples`` copies them out; files starting with ``_`` are not examples.
"""
