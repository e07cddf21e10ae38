"""The wait at the end of a Keras fit for dropping the training iterator (a benchmark, not a
test).

    python benchmarks/iterator_drop.py [--records DIR] [--rounds 3] [--epochs 6]

Fits a small convolutional classifier on the demo's training input (`make_dataset` in training
mode: repeated, shuffled, flipped; the demo records, prepared if absent) for `--epochs` Keras
epochs of 30 steps, `--rounds` times each way, interleaved: with tf.data's autotuner turned
back on (the baseline) and as `make_dataset` delivers it (autotuner off). Prints, for each
way, the seconds from the fit's last callback (`on_train_end`) to its return, when Keras drops
the iterator, and the seconds of the fit before it; then each way's mean and longest wait; last,
the ratio of the whole fits' means (baseline / make_dataset's). The wait is the rest of the
autotuner's current pause: anywhere from nothing to a minute, so a few rounds vary a lot.
"""

import argparse
import os
import statistics
import tempfile
import time


def fit_once(ds, epochs):
    """(seconds of the fit up to on_train_end, seconds from there to the fit's return)."""
    import keras

    ended = {}

    class EndTime(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            ended["at"] = time.perf_counter()

    inputs = keras.Input((64, 64, 3))
    hidden = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(inputs)
    hidden = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(hidden)
    logits = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(hidden))
    model = keras.Model(inputs, logits)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    start = time.perf_counter()
    model.fit(ds, epochs=epochs, steps_per_epoch=30, verbose=0, shuffle=False,
              callbacks=[EndTime()])
    return ended["at"] - start, time.perf_counter() - ended["at"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", default=None)
    parser.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "add_tf_bench"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args(argv)
    from add_tf.core import console

    console.quiet()
    import tensorflow as tf

    from add_tf.data import make_dataset

    records = args.records
    if records is None:
        from add_tf.synthetic.demo_data import ensure_demo_records

        records = ensure_demo_records(args.data_dir)
    delivered = make_dataset(records, "Demo", "train", "c40", training=True, seed=0,
                             repeat=True).map(lambda images, label: (images[1], label))
    options = tf.data.Options()
    options.autotune.enabled = True
    ways = {"autotuner on (baseline)": delivered.with_options(options),
            "make_dataset's (autotuner off)": delivered}
    results = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, ds in ways.items():
            results[name].append(fit_once(ds, args.epochs))
            fit, wait = results[name][-1]
            print(f"{name}: fit {fit:.1f} s, then {wait:.2f} s to drop the iterator", flush=True)
    totals = {}
    for name, runs in results.items():
        waits = [wait for _, wait in runs]
        totals[name] = statistics.mean(fit + wait for fit, wait in runs)
        print(f"{name}: wait mean {statistics.mean(waits):.2f} s, max {max(waits):.2f} s; "
              f"whole fit mean {totals[name]:.1f} s")
    baseline, delivered_total = totals.values()
    print(f"whole fit, baseline / make_dataset's: {baseline / delivered_total:.2f} (means)")


if __name__ == "__main__":
    main()
