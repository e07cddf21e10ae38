"""Time one training step: plain student vs ADD (teacher forward + student + FR/MV + update).

    python benchmarks/step_speed.py --backbone resnet50 --batch-size 16

Times, in one process and interleaved round by round (plain, ADD, losses, teacher, plain, ...;
so a slow spell of a shared machine hits all four alike): a plain step (method "none"), an ADD
step, the FR+MV losses alone (forward + backward on teacher/student feature maps of the real
shapes) and the teacher forward alone. Prints the median and fastest seconds of each; the share
of the losses in the ADD step (median of the per-round shares, and fastest over fastest: on a
machine whose stalls hit short calls at random, the fastest is the closest to the work done);
the op work of the plain step, the ADD step and the losses, and the losses' costliest op types
(`timing.op_work`: each TensorFlow op's shortest time over a few profiled calls, summed; robust
to the freezes of the development VM, which hit long calls every time); the machine's stall
share (`timing.stall_share`); peak memory (ru_maxrss of the process) and, last,
`ratio add/none: X.XX` (median of the per-round ratios).
Random weights and random pixels (no downloads). Every step is a compiled tf.function
(the Keras train function); `--jit` adds XLA.
"""

import argparse
import resource

import keras
import numpy as np
import tensorflow as tf

from add_tf.core.config import LossConfig
from add_tf.losses import frequency_attention_loss, multi_view_attention_loss
from add_tf.models import build_classifier, feature_model
from add_tf.training.distiller import Distiller
from timing import describe, interleaved, median_ratio, op_work, stall_share


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="resnet50")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile-calls", type=int, default=5,
                        help="calls of each step profiled for the op work (0: skip)")
    parser.add_argument("--top-ops", type=int, default=8,
                        help="op types of the FR+MV op work listed")
    parser.add_argument("--jit", action="store_true", help="compile the steps with XLA")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    shape = (args.batch_size, args.image_size, args.image_size, 3)
    raw = tf.constant(rng.uniform(0, 255, shape), tf.float32)
    comp = tf.constant(rng.uniform(0, 255, shape), tf.float32)
    labels = tf.constant(np.arange(args.batch_size) % 2, tf.int32)
    data = ((raw, comp), labels)

    teacher = build_classifier(args.backbone, args.image_size, name="teacher")
    steps = {}
    for method in ("none", "add"):
        student = build_classifier(args.backbone, args.image_size, name=f"student_{method}")
        distiller = Distiller(student, None if method == "none" else teacher,
                              LossConfig(method=method))
        distiller.compile(optimizer=keras.optimizers.Adam(2e-4), jit_compile=args.jit)
        distiller.make_train_function()
        iterator = iter([data] * (args.repeats + 2 + args.profile_calls))
        steps[method] = lambda f=distiller.train_function, it=iterator: f(it)

    cfg = LossConfig()
    features = feature_model(teacher, cfg.layers)
    feats_t = features(raw, training=False)
    feats_s = {k: tf.Variable(v) for k, v in features(comp, training=False).items()}

    @tf.function(jit_compile=args.jit)
    def losses_only():
        with tf.GradientTape() as tape:
            fr = tf.add_n([w * frequency_attention_loss(feats_s[layer], feats_t[layer])
                           for layer, w in zip(cfg.layers, cfg.fr_weights)])
            mv = tf.add_n([w * multi_view_attention_loss(feats_s[layer], feats_t[layer], labels)
                           for layer, w in zip(cfg.layers, cfg.mv_weights)])
            total = cfg.alpha * fr + cfg.beta * mv
        return tape.gradient(total, list(feats_s.values()))

    teacher_forward = tf.function(lambda: features(raw, training=False), jit_compile=args.jit)
    times = interleaved({"none": steps["none"], "add": steps["add"], "losses": losses_only,
                         "teacher": teacher_forward}, args.repeats)
    print(f"plain step (none): {describe(times['none'])} ({args.repeats} rounds)")
    print(f"ADD step: {describe(times['add'])}")
    print(f"FR+MV forward+backward: {describe(times['losses'])} "
          f"({100 * median_ratio(times['losses'], times['add']):.1f}% of the ADD step by medians, "
          f"{100 * min(times['losses']) / min(times['add']):.1f}% by fastest)")
    print(f"teacher forward: {describe(times['teacher'])} "
          f"({100 * median_ratio(times['teacher'], times['none']):.0f}% of the plain step)")
    if args.profile_calls:
        work = {name: op_work(steps[name] if name in steps else losses_only, args.profile_calls)
                for name in ("none", "add", "losses")}
        total = {name: w[0] for name, w in work.items()}
        print(f"op work (each op's shortest of {args.profile_calls} profiled calls, summed): plain "
              f"{total['none']:.3f} s, ADD {total['add']:.3f} s "
              f"({total['add'] / total['none']:.2f}x), FR+MV {total['losses']:.3f} s "
              f"({100 * total['losses'] / total['add']:.1f}% of the ADD step)")
        top = work["losses"][1].most_common(args.top_ops)
        print("FR+MV op work by op type (ms): " + ", ".join(f"{op} {1e3 * t:.1f}" for op, t in top))
    print(f"machine stalls: {100 * stall_share():.0f}% of wall time in a 3 s probe "
          "after the rounds")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB")
    print(f"backbone={args.backbone} batch={args.batch_size} size={args.image_size} jit={args.jit}")
    print(f"ratio add/none: {median_ratio(times['add'], times['none']):.2f}")
    return times


if __name__ == "__main__":
    main()
