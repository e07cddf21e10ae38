"""Demo data speed on this machine (a benchmark, not a test).

    python benchmarks/demo_speed.py

Times, in one process that has already imported TensorFlow (as `python -m add_tf.fit --dataset
demo` has when it makes the demo data): generating the demo tree in this process alone (the
baseline), generating it with one worker process per core (the default), and preparing the
records from it with one Beam thread (the baseline) and one per core (the default; the same
bytes). Prints each, both speed-ups and, last, `generate + prepare: X s` (target: under 120 s).
"""

import os
import shutil
import tempfile
import time

from timing import timed


def main():
    start = time.time()
    import tensorflow  # noqa: F401  (loaded first, as in add_tf.fit)

    print(f"import tensorflow: {time.time() - start:.1f} s", flush=True)
    from add_tf.synthetic.demo_data import ensure_demo_records
    from add_tf.synthetic.tree import generate_demo_tree

    work = tempfile.mkdtemp(prefix="add_tf_demo_speed_")
    try:
        one = timed(lambda: generate_demo_tree(os.path.join(work, "one"), workers=1))
        print(f"generate, 1 process: {one:.1f} s", flush=True)
        tree = os.path.join(work, "demo_videos")
        parallel = timed(lambda: generate_demo_tree(tree))
        print(f"generate, {os.cpu_count()} processes: {parallel:.1f} s "
              f"(speed-up {one / parallel:.2f}x)", flush=True)
        alone = os.path.join(work, "one_thread")
        os.makedirs(alone)
        os.symlink(tree, os.path.join(alone, "demo_videos"))
        single = timed(lambda: ensure_demo_records(alone, beam_args=[
            "--direct_running_mode=in_memory", "--direct_num_workers=1"]))
        print(f"prepare, 1 Beam thread: {single:.1f} s", flush=True)
        prepare = timed(lambda: ensure_demo_records(work))
        print(f"prepare, {os.cpu_count()} Beam threads: {prepare:.1f} s "
              f"(speed-up {single / prepare:.2f}x)")
        print(f"generate + prepare: {parallel + prepare:.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
