"""Stages in a real Locust run: the shape ramps the users and stops the run by itself (the
arithmetic: tests/unit/test_stages.py)."""

from .test_locustfiles import run_locust


def test_a_stages_locustfile_ramps_up_and_stops_by_itself(tmp_path):
    locustfile = tmp_path / "ramp.py"
    locustfile.write_text(
        "from locust import constant, task\n"
        "from locust_ws import Stages, WebSocketUser\n\n"
        "class Ramp(Stages): stages = [(1, 6), (2, 6), (1, 0)]\n\n"
        "class Echo(WebSocketUser):\n"
        "    path = '/echo'\n"
        "    wait_time = constant(0.5)\n\n"
        "    @task\n"
        "    def echo(self):\n"
        "        self.client.request({'op': 'echo'}, name='echo')\n"
    )
    result = run_locust(str(locustfile), "--only-summary")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Shape test updating to 6 users at 6.00 spawn rate" in output
    assert "Shape test updating to 0 users" in output
    assert "Shape test stopping" in output
    assert "Traceback" not in output
