"""Demo data speed on this machine (a benchmark, not a test).

    python benchmarks/demo_speed.py

Times, in one process that has already imported TensorFlow (as `python -m add_tf.fit --dataset
demo` has when it makes the demo data): generating the demo tree in this process alone (the
baseline), generating it with one worker process per core (the default), and preparing the
records from it. Prints each, the generation speed-up and, last, `generate + prepare: X s`
(target: under 120 s).
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
        prepare = timed(lambda: ensure_demo_records(work))
        print(f"prepare (full-frame detector, in-process Beam runner): {prepare:.1f} s")
        print(f"generate + prepare: {parallel + prepare:.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
