"""Choosing source addresses, pure: lists and networks parsed (a bad item named), users spread
round-robin by user index, and the kernel's ephemeral port range read."""

from __future__ import annotations

from collections import Counter

import pytest

from locust_ws.transport.sources import local_port_range, parse_source_addresses, pick_source_address


def test_networks_and_lists_give_their_addresses_in_order_without_duplicates():
    assert parse_source_addresses("127.0.0.2/31") == ("127.0.0.2", "127.0.0.3")
    assert parse_source_addresses("127.0.0.9, 127.0.0.2/31 127.0.0.9") == (
        "127.0.0.9",
        "127.0.0.2",
        "127.0.0.3",
    )
    assert parse_source_addresses(["10.0.0.0/30", "::1"]) == ("10.0.0.1", "10.0.0.2", "::1")
    assert parse_source_addresses("") == parse_source_addresses(None) == ()


def test_a_bad_address_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"'127\.0\.0\.300'"):
        parse_source_addresses("127.0.0.2, 127.0.0.300")


def test_users_are_spread_round_robin_by_user_index():
    addresses = parse_source_addresses("127.0.0.2/31,127.0.0.4/31")
    picks = Counter(pick_source_address(addresses, index) for index in range(10))
    assert picks == {"127.0.0.2": 3, "127.0.0.3": 3, "127.0.0.4": 2, "127.0.0.5": 2}
    assert pick_source_address((), 3) is None


def test_the_port_range_is_read_from_the_kernel(tmp_path):
    first, last = local_port_range()
    assert 0 < first < last <= 65535
    (tmp_path / "range").write_text("1024\t1027\n")
    assert local_port_range(tmp_path / "range") == (1024, 1027)
    assert local_port_range(tmp_path / "missing") is None
