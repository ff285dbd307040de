"""The reconnect storm's client-side figures, as pure functions over Locust's ``{ms: count}``
response-time histograms: what one storm added to a row, and its percentiles."""

from __future__ import annotations

import pytest

from locust_ws import counts_since, percentile_of_counts


def test_counts_since_keeps_only_what_was_added_between_the_snapshots():
    before = {100: 3, 200: 1}
    after = {100: 3, 200: 4, 1900: 2}
    assert counts_since(before, after) == {200: 3, 1900: 2}
    assert counts_since(after, after) == {}


def test_percentile_of_counts_is_the_smallest_value_covering_the_share():
    counts = {1000: 50, 2000: 45, 3000: 5}
    assert percentile_of_counts(counts, 0.5) == 1000.0
    assert percentile_of_counts(counts, 0.51) == 2000.0
    assert percentile_of_counts(counts, 0.95) == 2000.0
    assert percentile_of_counts(counts, 1.0) == 3000.0
    assert percentile_of_counts({}, 0.5) is None


@pytest.mark.parametrize("share", [0, -0.1, 1.5])
def test_percentile_share_outside_0_1_is_refused(share):
    with pytest.raises(ValueError, match="share"):
        percentile_of_counts({1: 1}, share)
