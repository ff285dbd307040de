"""Two feeds, one row each: every event of a user carries its feed's tag, as k6's ``tags`` do.

    locust -f locustfiles/tagged_feeds.py --headless -u 4 -r 4 -t 20s \
        --ws-threshold 'fanout{feed:orders}:p99<200ms' --ws-threshold 'fanout{feed:prices}:p99<500ms'

Orders and prices users publish into a room of their own on the demo server; each message reaches
the other members of that room as a ``fanout``, measured by the receiver, which tags it with its own
feed. Locust's rows stay as they are (``publish``, ``fanout``); the locust-ws summary adds one
``fanout{feed:orders}`` and one ``fanout{feed:prices}`` row, which the thresholds above judge apart.
"""

from locust import constant, task

from locust_ws import WebSocketUser


class OrdersUser(WebSocketUser):
    path = "/rooms/orders"
    tags = {"feed": "orders"}
    auto_connect = False  # the demo's rooms want a login first
    wait_time = constant(0.2)

    def on_start(self) -> None:
        token = self.http.post("/login", json={"username": "trader"}, name="POST /login").json()["token"]
        self.client.connect(self.path, query={"token": token})

    @task
    def publish(self) -> None:
        # stamp=True: the receivers measure sender -> server -> them as fanout.
        self.client.send({"type": "order"}, stamp=True, name="publish")


class PricesUser(OrdersUser):
    path = "/rooms/prices"
    tags = {"feed": "prices"}
