"""gevent I/O: the socket a WebSocket runs on, Engine.IO long-polling posing as one, and the one
heartbeat scheduler of the process. This layer moves bytes and schedules timers; what the bytes
mean is ``protocol``'s business."""
