"""The open-files limit: raised to the hard limit in every Locust process, and a clear warning
when it is below the users a process plans (in a real Locust run: tests/system/test_limits.py)."""

from __future__ import annotations

import resource

from locust_ws.cluster.open_files import SPARE_FILES, open_files_warning, raise_open_files_limit


def test_enough_files_means_no_warning():
    assert open_files_warning(20_000, 20_000, 10_000) is None
    assert open_files_warning(1024, 1024, 0) is None


def test_too_few_files_is_a_warning_that_says_what_to_do():
    warning = open_files_warning(1024, 4096, 5000)
    assert warning is not None
    assert "1024" in warning and "5000 users" in warning
    assert f"beyond about {1024 - SPARE_FILES}" in warning
    assert "ulimit -Hn" in warning and "--processes" in warning


def test_soft_limit_is_raised_to_the_hard_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 512), hard))
    try:
        assert raise_open_files_limit() == (hard, hard)
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
