"""Sessions: one connection each (WebSocket or Socket.IO), and every measurement taken on it.

A session times handshakes and round trips, correlates replies, runs handlers and turns all of it
into Locust ``request`` events through ``reporter.Reporter``; ``events`` names what those events
carry, the contract the ``metrics`` layer reads.
"""
