"""IndexPool: the master's bookkeeping of cluster-wide user indexes. Pure, no sockets."""

from locust_ws.cluster.indexes import IndexPool


def test_indexes_are_handed_out_contiguously_from_zero():
    pool = IndexPool()
    assert [pool.acquire() for _ in range(5)] == [0, 1, 2, 3, 4]
    assert len(pool) == 5


def test_the_lowest_freed_index_is_reused_first():
    pool = IndexPool()
    for _ in range(6):
        pool.acquire()
    for index in (4, 1, 3):
        assert pool.release(index)
    assert [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()] == [1, 3, 4, 6]


def test_ramp_down_then_up_restores_zero_to_n_minus_one_whatever_was_stopped():
    pool = IndexPool()
    for _ in range(40):
        pool.acquire()
    for index in range(1, 40, 2):  # a ramp-down to 20 that stopped every odd-numbered user
        pool.release(index)
    assert pool.held() == list(range(0, 40, 2))
    for _ in range(20):
        pool.acquire()
    assert pool.held() == list(range(40))


def test_a_release_by_another_owner_or_a_repeated_release_frees_nothing():
    pool = IndexPool()
    index = pool.acquire(owner="worker-a")
    assert not pool.release(index, owner="worker-b")
    assert pool.release(index, owner="worker-a")
    assert not pool.release(index, owner="worker-a")
    assert not pool.release(99)
    assert pool.acquire() == index  # freed exactly once: handed out again, and only once
    assert pool.acquire() == 1


def test_every_index_of_a_departed_owner_is_freed():
    pool = IndexPool()
    owners = ["a", "b", "a", "b", "a"]
    for owner in owners:
        pool.acquire(owner=owner)
    assert pool.owners() == {"a", "b"}
    assert pool.release_owner("a") == [0, 2, 4]
    assert pool.held() == [1, 3]
    assert pool.owners() == {"b"}
    assert pool.release_owner("a") == []
