"""The wire protocols as pure logic: bytes in, events and bytes out.

Nothing here does I/O or imports gevent, ``socket`` or Locust (a test holds it to that), so every
rule of RFC 6455 and of Engine.IO / Socket.IO is testable without a socket: frames, the opening
handshake, the client connection state machine, payload encoding and correlation ids, Socket.IO
packets and URLs.
"""
