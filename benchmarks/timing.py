"""Timing helpers shared by the benchmarks: measurements interleaved round by round, so that a
slow spell of a shared machine hits every compared function alike."""

import statistics
import time


def timed(fn):
    """Seconds one call of `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(functions, repeats, warmup=2):
    """{name: [seconds per round]}: each round calls every function once, in order."""
    for _ in range(warmup):
        for fn in functions.values():
            fn()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            times[name].append(timed(fn))
    return times


def describe(seconds):
    return f"median {statistics.median(seconds):.3f} s, fastest {min(seconds):.3f} s"


def median_ratio(numerators, denominators):
    """Median of the per-round ratios."""
    return statistics.median(n / d for n, d in zip(numerators, denominators))


def stall_share(seconds=3.0):
    """Share of wall time lost to machine stalls (0 on a quiet machine): a fixed pure-Python chunk
    (~1 ms) is timed back to back for `seconds`; every call's excess over the fastest is a stall.
    Printed next to a benchmark's figures so that a noisy run can be told from a slow program."""
    chunks = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        chunks.append(timed(lambda: sum(range(100_000))))
    return 1.0 - len(chunks) * min(chunks) / sum(chunks)
