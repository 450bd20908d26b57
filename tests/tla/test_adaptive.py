"""A remembered operator's call site chooses between its memo and a direct call by timing
both (compile/calls.adaptive), and chooses again as the run goes on. Timed here on a clock
the two ways advance by a cost the test sets."""

from conformance.tla.compile import calls


def _site(monkeypatch, cost):
    """A call site whose memo and direct call take ``cost["memo"]`` and ``cost["direct"]``
    nanoseconds; returns it and the list of the ways its calls went."""
    now = [0]
    went: list[str] = []
    monkeypatch.setattr(calls, "perf_counter_ns", lambda: now[0])

    def way(name):
        def f(E):
            now[0] += cost[name]
            went.append(name)
            return 42
        return f
    return calls.adaptive(way("memo"), way("direct")), went


def test_the_faster_way_is_taken_after_a_trial(monkeypatch):
    cost = {"memo": 10, "direct": 100}
    site, went = _site(monkeypatch, cost)
    for _ in range(2 * calls.TRIAL + 100):
        assert site(None) == 42
    assert went[2 * calls.TRIAL:] == ["memo"] * 100


def test_a_tie_goes_the_direct_way(monkeypatch):
    site, went = _site(monkeypatch, {"memo": 50, "direct": 50})
    for _ in range(2 * calls.TRIAL + 10):
        site(None)
    assert went[2 * calls.TRIAL:] == ["direct"] * 10


def test_a_choice_that_stops_paying_is_changed_within_twice_the_calls_it_held(monkeypatch):
    cost = {"memo": 10, "direct": 100}
    site, went = _site(monkeypatch, cost)
    for _ in range(5000):
        site(None)
    cost["memo"] = 1000  # the arguments grew: keying them now costs more than the call
    for _ in range(10000):
        site(None)
    last_memo = max(i for i, w in enumerate(went) if w == "memo")
    assert last_memo < 5000 + 2 * 5000
    assert went[-100:] == ["direct"] * 100
