"""WebSocket metrics built from the sessions' ``request`` events: counters, latency histograms,
the per-second timeline, worker-to-master merging, and the thresholds judged on them."""
