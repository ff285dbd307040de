# Stubs of the parts of gevent-websocket that locust_ws.demo subclasses (see websocket.pyi); the
# handler module stays untyped (ignore_missing_imports in pyproject.toml).
