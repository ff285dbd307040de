"""What the tests share besides fixtures (those stay in the conftest.py files):

- ``events``: ``EventLog`` and ``record_closes``, recorders of the Locust ``request`` events fired;
- ``waiting``: ``wait_until``, polling a condition with a deadline;
- ``demo``: the demo server's JSON endpoints (``fetch_json``) and its fast Socket.IO settings;
- ``faulty_server`` and ``hostile_servers``: servers of the test process that break RFC 6455,
  stall or refuse on purpose, one fault per path;
- ``third_party_servers``: Node's ``ws``, the official ``socket.io`` and Python's ``websockets``
  as child processes, for the interop tests;
- ``locust_cluster``: a real Locust master with workers on loopback;
- ``webui_probe``: a script reading the web UI's "WebSockets" tab in headless Chromium;
- ``paths``: where the repository and the test locustfiles are.
- ``contracts``: ``contract``, the failure of a check on another library's internal.
"""
