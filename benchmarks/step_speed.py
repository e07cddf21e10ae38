"""Time one training step: plain student vs ADD (teacher forward + student + FR/MV + update).

    python benchmarks/step_speed.py --backbone resnet50 --batch-size 16

Prints the median and the fastest seconds of: a plain step (method "none"), an ADD step, the FR+MV
losses alone (forward + backward on teacher/student feature maps of the real shapes), and the
teacher forward alone; the share of the losses in the ADD step; peak memory (ru_maxrss of the
process) and, last, `ratio add/none: X.XX` (medians). The fastest time is printed because on a
shared virtual machine single runs stall at random (the same op varies 5x between calls): the
minimum is the least disturbed estimate, the median what a user waits.
Random weights and random pixels (no downloads). Every step is a compiled tf.function
(the Keras train function); `--jit` adds XLA.
"""

import argparse
import resource
import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from add_tf.config import LossConfig
from add_tf.distiller import Distiller
from add_tf.losses import frequency_attention_loss, multi_view_attention_loss
from add_tf.models import build_classifier, feature_model


class Timing:
    """Median and fastest of `repeats` timed calls of `fn` (after `warmup` untimed calls)."""

    def __init__(self, fn, repeats, warmup=2):
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        self.median = statistics.median(times)
        self.fastest = min(times)

    def __str__(self):
        return f"median {self.median:.3f} s, fastest {self.fastest:.3f} s"

    def share_of(self, other):
        return (f"{100 * self.median / other.median:.1f}% by medians, "
                f"{100 * self.fastest / other.fastest:.1f}% by fastest")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="resnet50")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jit", action="store_true", help="compile the steps with XLA")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    shape = (args.batch_size, args.image_size, args.image_size, 3)
    raw = tf.constant(rng.uniform(0, 255, shape), tf.float32)
    comp = tf.constant(rng.uniform(0, 255, shape), tf.float32)
    labels = tf.constant(np.arange(args.batch_size) % 2, tf.int32)
    data = ((raw, comp), labels)

    teacher = build_classifier(args.backbone, args.image_size, name="teacher")
    results = {}
    for method in ("none", "add"):
        student = build_classifier(args.backbone, args.image_size, name=f"student_{method}")
        distiller = Distiller(student, None if method == "none" else teacher, LossConfig(method=method))
        distiller.compile(optimizer=keras.optimizers.Adam(2e-4), jit_compile=args.jit)
        distiller.make_train_function()
        train_function = distiller.train_function
        iterator = iter([data] * (args.repeats + 2))
        results[method] = Timing(lambda: train_function(iterator), args.repeats)
        print(f"{method} step: {results[method]} ({args.repeats} runs)", flush=True)

    cfg = LossConfig()
    features = feature_model(teacher, cfg.layers)
    feats_t = features(raw, training=False)
    feats_s = {k: tf.Variable(v) for k, v in features(comp, training=False).items()}

    @tf.function(jit_compile=args.jit)
    def losses_only():
        with tf.GradientTape() as tape:
            fr = tf.add_n([w * frequency_attention_loss(feats_s[l], feats_t[l]) for l, w in zip(cfg.layers, cfg.fr_weights)])
            mv = tf.add_n([w * multi_view_attention_loss(feats_s[l], feats_t[l], labels) for l, w in zip(cfg.layers, cfg.mv_weights)])
            total = cfg.alpha * fr + cfg.beta * mv
        return tape.gradient(total, list(feats_s.values()))

    teacher_forward = tf.function(lambda: features(raw, training=False), jit_compile=args.jit)
    results["losses"] = Timing(losses_only, args.repeats)
    results["teacher"] = Timing(teacher_forward, args.repeats)
    print(f"FR+MV forward+backward: {results['losses']}; of the ADD step: "
          f"{results['losses'].share_of(results['add'])}")
    print(f"teacher forward: {results['teacher']}; of the plain step: "
          f"{results['teacher'].share_of(results['none'])}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB")
    print(f"backbone={args.backbone} batch={args.batch_size} size={args.image_size} jit={args.jit}")
    print(f"ratio add/none: {results['add'].median / results['none'].median:.2f} "
          f"(fastest: {results['add'].fastest / results['none'].fastest:.2f})")
    return results


if __name__ == "__main__":
    main()
