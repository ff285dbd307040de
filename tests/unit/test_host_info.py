"""What ran where (``cluster.host_info``): the shortfall warnings and the check of a worker's
self-description, pure."""

from __future__ import annotations

import pytest

from locust_ws.cluster.host_info import MalformedHost, check_host, describe_host, host_warnings, port_range


def test_this_process_describes_its_limits_and_versions():
    import locust

    host = describe_host(planned_users=10, connections_peak=7)
    assert host["host"] and host["pid"] > 0
    assert host["versions"]["locust"] == locust.__version__
    assert host["planned_users"] == 10 and host["connections_peak"] == 7
    assert host["open_files_limit"] == -1 or host["open_files_limit"] > 0


def test_the_port_range_is_read_from_the_kernel_file(tmp_path):
    path = tmp_path / "ip_local_port_range"
    path.write_text("32768\t60999\n")
    assert port_range(str(path)) == [32768, 60999]
    assert port_range(str(tmp_path / "missing")) is None


def test_users_beyond_the_open_files_limit_or_the_port_range_are_warned_about():
    host = describe_host()
    host.update(worker="worker 1", host="gen-3", open_files_limit=1024, port_range=[60000, 60999])
    host["planned_users"] = 950
    assert host_warnings(host) == [
        "worker 1 (gen-3) planned 950 users but may open 1024 files (ulimit -n): "
        "connections beyond that fail with 'Too many open files'"
    ]
    host["planned_users"] = 1500
    warnings = host_warnings(host)
    assert len(warnings) == 2 and "has 1000 ephemeral ports (60000-60999" in warnings[1]
    host["planned_users"], host["open_files_limit"] = 500, -1
    assert host_warnings(host) == []


def test_a_worker_description_is_relabelled_and_judged_on_the_master():
    sent = describe_host(planned_users=5)
    sent["open_files_limit"] = 50
    checked = check_host(dict(sent), "worker 2")
    assert checked["worker"] == "worker 2"
    assert checked["warnings"] and checked["warnings"][0].startswith("worker 2 ")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pid", "12", "pid must be a whole number"),
        ("planned_users", -5, "planned_users"),
        ("port_range", [70000, 1], "port_range"),
        ("versions", {"locust": "2"}, "versions"),
        ("host", "x" * 500, "host must be text"),
    ],
)
def test_a_malformed_worker_description_is_refused(field, value, message):
    sent = dict(describe_host())
    sent[field] = value
    with pytest.raises(MalformedHost, match=message):
        check_host(sent, "worker 1")
