"""Load patterns from the field as pure logic with time passed in: round-robin resources, stages,
reconnect backoff, cooldowns, connect pacing and stagger, and what a reconnect storm's handshake
times say."""
