"""System tests: locust-ws against third-party conformance suites run as local processes."""
