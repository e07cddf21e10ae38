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


# Ops that run other ops (whose own events are counted): left out so nothing is counted twice.
CALL_OPS = {"PartitionedCall", "StatefulPartitionedCall", "While", "StatelessWhile", "If",
            "StatelessIf", "Case", "StatelessCase"}


def op_work(fn, calls=5):
    """Seconds of TensorFlow op time in one call of `fn`, robust to machine stalls, and the same
    split by op type (a `collections.Counter`): `fn` is profiled for `calls` calls (tf.profiler);
    each op's time is its shortest over the calls (a freeze rarely hits the same op every time),
    summed over the ops of one call. Ops that run side by side are both counted, so this is the
    work, not the wall time, of a call."""
    import collections
    import glob
    import tempfile

    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        for _ in range(calls):
            fn()
        tf.profiler.experimental.stop()
        space = xplane_pb2.XSpace()
        with open(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)[0], "rb") as f:
            space.ParseFromString(f.read())
    durations = collections.defaultdict(list)  # "node:OpType" -> picoseconds of each run
    for plane in space.planes:
        names = {key: meta.name for key, meta in plane.event_metadata.items()}
        for line in plane.lines:
            if line.name.startswith("tf_Compute"):
                for event in line.events:
                    name = names.get(event.metadata_id, "")
                    op_type = name.rpartition(":")[2]
                    is_op = ":" in name and not name.startswith("ExecutorState")
                    if is_op and op_type not in CALL_OPS:
                        durations[name].append(event.duration_ps)
    by_type = collections.Counter()
    for name, d in durations.items():
        by_type[name.rpartition(":")[2]] += min(d) * len(d) / calls / 1e12
    return sum(by_type.values()), by_type
