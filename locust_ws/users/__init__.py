"""Locust ``User`` classes: configuration (class attributes) and lifecycle; ``self.client`` is the
session that does the I/O, as in Locust's ``FastHttpUser``."""
