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
