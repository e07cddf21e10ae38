"""Training throughput end to end: what `fit` delivers against the bare training step.

    python benchmarks/fit_speed.py --backbone resnet18 --batch-size 32 [--method add|none]
        [--image-size 128] [--steps 3] [--step-calls 1] [--no-data-wait]

1. Writes a synthetic prepared set (`{data}/ffpp`, originals + Deepfakes, every quality, shards
   and manifest.json as `pipelines.prepare` writes them) shaped like the paper's protocol scaled
   down: train:validation = 92,160:17,920 and 10 validations per epoch, `--steps` training steps
   between two validations. Crops: smooth random images with sensor noise (raw) and two blurred
   copies (c23, c40), PNG-compressed like face crops.
2. Runs `add_tf.fit.main` (teacher: a random classifier of the backbone, saved as .keras, the
   student starting from its weights like the demo) for one epoch, twice: reading the records,
   then (unless --no-data-wait) with the training input replaced by its first `--steps`
   batches held in memory. A callback appended to the fit's own marks each Keras epoch (a
   training stretch, the validation, the end-of-validation callbacks). The first epoch traces
   the train and test functions and is left out: the figures are of epochs 2-10.
3. Times the bare train step (the Keras train function of a Distiller of the same backbone,
   method and batch, on one batch of the records held as tensors) and the bare forward pass of
   its student on that batch's student images, `--step-calls` times each after each
   validation of both fits (left out of the fits' times); their medians.

The time the step waits for data is the time per training step of the fit reading the records
minus that of the same fit fed from memory: unlike tf.data's own statistics (the time an
iterator's get_next blocks), it also counts the CPU the decoding threads take from the step on
a machine of 2 cores. Also printed: the input pipeline's rate alone, the shares of the fit's
wall time (training, validation, end-of-validation callbacks), the load average, a projection
to the paper's scale (9,216 training and 17,920 validation faces per validation, from the
measured cost per training face, per validation face and per validation's callbacks), the
protocol's ceiling and, last, `ratio fit/step: X.XX` (examples/s of the fit reading the records
over the bare step's).

The ceiling: a protocol that validates on V faces per training face cannot give more than
`step / (step + V * forward)` of the bare step's rate (`step`, `forward`: seconds per face of the
bare train step and of the bare forward pass), even with free data, callbacks and logging. At
the paper's protocol V = 17,920 / 9,216 = 1.94.
"""

import argparse
import contextlib
import itertools
import json
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import add_tf.data as data_lib  # noqa: E402
from add_tf import fit  # noqa: E402
from add_tf.core.config import LossConfig  # noqa: E402
from add_tf.core.names import ORIGINAL  # noqa: E402
from add_tf.data import schema  # noqa: E402
from add_tf.models import build_classifier  # noqa: E402
from add_tf.training import runs
from add_tf.training.distiller import Distiller  # noqa: E402
from pipelines.preparation.shards import EXAMPLES_PER_SHARD  # noqa: E402
from timing import timed  # noqa: E402

PAPER_TRAIN, PAPER_VAL = 92_160, 17_920  # FF++ faces: 1,440 and 280 videos x 64 frames
VALIDATIONS = 10  # per epoch (paper)
FRAMES = 64  # faces per video (prepare's default)
QUALITIES = ("raw", "c23", "c40")
POOL = 64  # distinct crops, reused across the examples


# --------------------------------------------------------------------------- synthetic set
def synthetic_crops(rng, size):
    """{quality: PNG bytes}: a smooth random image with sensor noise (raw) and two blurred
    copies standing in for c23 and c40."""
    import cv2

    low = rng.uniform(0, 255, (8, 8, 3)).astype(np.float32)
    base = cv2.resize(low, (size, size), interpolation=cv2.INTER_CUBIC)
    raw = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
    images = {"raw": raw, "c23": cv2.GaussianBlur(raw, (3, 3), 0.8),
              "c40": cv2.GaussianBlur(raw, (5, 5), 1.5)}
    return {q: schema.encode_png(image) for q, image in images.items()}


def write_shards(split_dir, name, label, count, pool):
    """`count` examples of record set `name` in shards of EXAMPLES_PER_SHARD (temp name, then
    rename); returns {"videos", "examples", "qualities"} and the shard names."""
    shards = max(1, -(-count // EXAMPLES_PER_SHARD))
    names = []
    for index in range(shards):
        path = os.path.join(split_dir, schema.shard_name(name, index, shards))
        with tf.io.TFRecordWriter(path + ".tmp") as writer:
            for n in range(index, count, shards):
                video = f"{n // FRAMES:03d}" + ("" if label == 0 else f"_{n // FRAMES + 1:03d}")
                writer.write(schema.make_example(pool[n % len(pool)], label, name, video,
                                                 n % FRAMES, (0, 0, 256, 256), (256, 256)))
        os.replace(path + ".tmp", path)
        names.append(os.path.basename(path))
    entry = {"videos": -(-count // FRAMES), "examples": count,
             "qualities": {q: count for q in QUALITIES}}
    return entry, names


def write_synthetic_set(records_dir, n_train, n_val, size, seed=0):
    """Records of originals and Deepfakes (half each) in train and val, and their manifest."""
    rng = np.random.default_rng(seed)
    pool = [synthetic_crops(rng, size) for _ in range(POOL)]
    counts, shards = {}, {}
    for split, n in (("train", n_train), ("val", n_val)):
        os.makedirs(os.path.join(records_dir, split), exist_ok=True)
        for name, label, count in ((ORIGINAL, 0, n - n // 2), ("Deepfakes", 1, n // 2)):
            entry, files = write_shards(os.path.join(records_dir, split), name, label, count, pool)
            counts.setdefault(split, {})[name] = entry
            shards.setdefault(split, {})[name] = files
    settings = {"set": "synthetic", "layout": "ffpp", "root": None, "qualities": list(QUALITIES),
                "detect_quality": "raw", "methods": ["Deepfakes"], "size": size,
                "frames": FRAMES, "detector": "none (synthetic crops)", "splits": "synthetic",
                "crop_format": "png", "label": "1 = fake"}
    manifest = {"version": 1, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "settings": settings, "found": {}, "notes": [], "counts": counts,
                "totals": {split: sum(e["examples"] for e in per.values())
                           for split, per in counts.items()},
                "shards": shards, "frame_count_mismatches": [],
                "skipped_counts": {"frames": 0, "videos_or_files": 0}, "left_out": {},
                "skipped": []}
    path = os.path.join(records_dir, schema.MANIFEST)
    with open(path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1)
    os.replace(path + ".tmp", path)


# --------------------------------------------------------------------------- the fit
class Clock(keras.callbacks.Callback):
    """Wall-clock marks of each Keras epoch: begin, end of its last training step (the
    validation starts there: Keras sets up its iterator before `on_test_begin`), end of the
    validation, end (after the fit's own end-of-validation callbacks, which run before this
    one). After each epoch it also times `calls` calls of each of `probes` ({name: callable}:
    the bare step and forward pass), so that they and the fit are measured in the same moments
    of a shared machine; that time is left out of the fit's."""

    def __init__(self, probes, calls):
        super().__init__()
        self.probes, self.calls = probes, calls
        self.epochs, self.times = [], {name: [] for name in probes}

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append({"begin": time.perf_counter()})

    def on_train_batch_end(self, batch, logs=None):
        self.epochs[-1]["val_begin"] = time.perf_counter()

    def on_test_end(self, logs=None):
        self.epochs[-1]["val_end"] = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epochs[-1]["end"] = time.perf_counter()
        for name, probe in self.probes.items():
            self.times[name] += [timed(probe) for _ in range(self.calls)]
        self.epochs[-1]["resume"] = time.perf_counter()

    def phases(self):
        """Seconds of epochs 2.. (the first traces the train and test functions): in total, in
        training steps, in validation and in the end-of-validation callbacks."""
        pairs = list(zip(self.epochs, self.epochs[1:]))
        if len(pairs) != VALIDATIONS - 1 or any("val_end" not in e for _, e in pairs):
            raise RuntimeError(f"Expected {VALIDATIONS} Keras epochs, each with a validation. "
                               f"Received: {self.epochs}")
        total = sum(e["end"] - previous["resume"] for previous, e in pairs)
        training = sum(e["val_begin"] - e["begin"] for _, e in pairs)
        validation = sum(e["val_end"] - e["val_begin"] for _, e in pairs)
        return {"epochs": len(pairs), "total": total, "training": training,
                "validation": validation, "callbacks": total - training - validation}


@contextlib.contextmanager
def clocked(clock):
    """Every Distiller.fit gets `clock` after its own callbacks."""
    original = Distiller.fit

    def fit_with_clock(self, *args, callbacks=None, **kwargs):
        return original(self, *args, callbacks=[*(callbacks or []), clock], **kwargs)

    Distiller.fit = fit_with_clock
    try:
        yield
    finally:
        Distiller.fit = original


@contextlib.contextmanager
def training_input_in_memory(batches):
    """add_tf.data.make_dataset gives, for training, its first `batches` batches read once and
    then repeated from memory."""
    original = data_lib.make_dataset

    def make_dataset(*args, training=False, **kwargs):
        ds = original(*args, training=training, **kwargs)
        return ds.take(batches).cache().repeat().prefetch(tf.data.AUTOTUNE) if training else ds

    data_lib.make_dataset = make_dataset
    try:
        yield
    finally:
        data_lib.make_dataset = original


def run_fit(argv, clock):
    """add_tf.fit.main(argv) with `clock`; returns `clock.phases()`."""
    with clocked(clock):
        fit.main(argv)
    return clock.phases()


# --------------------------------------------------------------------------- the bare step
def bare_probes(backbone, size, method, teacher_path, batch):
    """{"step": a call of the Keras train function of a fresh Distiller on `batch`, "forward":
    its student's forward pass on the batch's student images}."""
    student = build_classifier(backbone, size, name="bare_student")
    teacher = None
    if teacher_path:
        teacher = runs.load_model(teacher_path)
        student.set_weights(teacher.get_weights())
    distiller = Distiller(student, teacher, LossConfig(method=method, seed=0))
    distiller.compile(optimizer=keras.optimizers.Adam(2e-4))
    distiller(np.zeros((1, size, size, 3), np.float32))
    distiller.make_train_function()
    iterator = itertools.repeat(batch)
    (student_images, _), _ = batch
    forward = tf.function(lambda: student(student_images, training=False))
    return {"step": lambda: distiller.train_function(iterator), "forward": forward}


def input_rate(records_dir, method, batch_size, batches):
    """Examples/s of the training input alone (as the fit reads it)."""
    ds = data_lib.make_dataset(records_dir, "Deepfakes", "train", "c40",
                               "raw" if method != "none" else "c40", batch_size=batch_size,
                               training=True, seed=0, repeat=True)
    iterator = iter(ds)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="resnet18", choices=("resnet18", "resnet50"))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--method", default="add", choices=("none", "add"))
    parser.add_argument("--steps", type=int, default=3,
                        help="training steps between two validations (paper, batch 144: 64)")
    parser.add_argument("--step-calls", type=int, default=1,
                        help="bare steps timed after each validation of a fit")
    parser.add_argument("--data-wait", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the fit fed from memory, for the time the step waits "
                        "for data (--no-data-wait: half the run time)")
    args = parser.parse_args(argv)
    b, size = args.batch_size, args.image_size
    n_train = args.steps * VALIDATIONS * b
    n_val = round(n_train * PAPER_VAL / PAPER_TRAIN)
    print(f"load average (1, 5, 15 min): {os.getloadavg()}; CPUs: {os.cpu_count()}", flush=True)
    print(f"{args.method} {args.backbone}, batch {b}, {size} px: {n_train} training and {n_val} "
          f"validation faces (paper {PAPER_TRAIN}:{PAPER_VAL}), {VALIDATIONS} validations of "
          f"{args.steps} steps", flush=True)

    with tempfile.TemporaryDirectory(prefix="fit_speed-") as work:
        data_dir = os.path.join(work, "data")
        records_dir = os.path.join(data_dir, "ffpp")
        write_synthetic_set(records_dir, n_train, n_val, size)
        teacher_path = None
        if args.method != "none":
            teacher_path = os.path.join(work, "teacher.keras")
            runs.save_model(build_classifier(args.backbone, size, name="teacher"), teacher_path)
        ds = data_lib.make_dataset(records_dir, "Deepfakes", "train", "c40",
                                   "raw" if teacher_path else "c40", batch_size=b,
                                   training=True, seed=0)
        probes = bare_probes(args.backbone, size, args.method, teacher_path, next(iter(ds)))

        def fit_argv(run):
            argv = ["--dataset", "deepfakes", "--data-dir", data_dir, "--comp", "c40",
                    "--method", args.method, "--backbone", args.backbone, "--batch-size", str(b),
                    "--epochs", "1", "--run-dir", os.path.join(work, run), "--no-evaluate",
                    "--verbose", "0", "--set", f"train.validations_per_epoch={VALIDATIONS}",
                    "train.patience=100"]
            if teacher_path:
                argv += ["--teacher", teacher_path, "--set", "model.weights=teacher"]
            return argv

        for probe in probes.values():
            probe()  # traces it
        clock = Clock(probes, args.step_calls)
        fits = {"records": run_fit(fit_argv("records"), clock)}
        times = clock.times
        if args.data_wait:
            memory_clock = Clock(probes, args.step_calls)
            with training_input_in_memory(args.steps):
                fits["memory"] = run_fit(fit_argv("memory"), memory_clock)
            times = {name: t + memory_clock.times[name] for name, t in times.items()}
        alone = input_rate(records_dir, args.method, b, 2 * args.steps)

    records = fits["records"]
    step_seconds = statistics.median(times["step"])
    forward_seconds = statistics.median(times["forward"])
    step_rate = b / step_seconds
    trained = records["epochs"] * args.steps * b
    fit_rate = trained / records["total"]
    per_step = {name: r["training"] / (r["epochs"] * args.steps) for name, r in fits.items()}
    print(f"bare train step: median {step_seconds:.3f} s of {len(times['step'])} -> "
          f"{step_rate:.1f} examples/s; bare forward pass: {forward_seconds:.3f} s -> "
          f"{b / forward_seconds:.1f} examples/s")
    for name, r in fits.items():
        share = {part: 100 * r[part] / r["total"]
                 for part in ("training", "validation", "callbacks")}
        print(f"fit ({name}, validations 2-{VALIDATIONS}): {r['total']:.1f} s -> "
              f"{trained / r['total']:.1f} examples/s; training {share['training']:.0f}"
              f"% ({per_step[name]:.3f} s per step), validation "
              f"{share['validation']:.0f}% ({r['validation'] / r['epochs']:.2f} s "
              f"per validation of {n_val} faces), end-of-validation callbacks "
              f"{share['callbacks']:.0f}% ({r['callbacks'] / r['epochs']:.2f} s each)")
    if "memory" in fits:
        wait = per_step["records"] - per_step["memory"]
        print(f"the step waits for data: {1e3 * wait:.0f} ms per step "
              f"({100 * wait / per_step['records']:.1f}% of the fit's step; records minus memory)")
    print(f"input pipeline alone: {alone:.0f} examples/s, {alone / fit_rate:.0f}x what the fit "
          "consumes")
    paper_val_per_train = PAPER_VAL / PAPER_TRAIN * VALIDATIONS
    cycle = (PAPER_TRAIN / VALIDATIONS * records["training"] / trained
             + PAPER_VAL * records["validation"] / (records["epochs"] * n_val)
             + records["callbacks"] / records["epochs"])
    paper_rate = PAPER_TRAIN / VALIDATIONS / cycle
    print(f"projected to the paper's scale ({PAPER_TRAIN // VALIDATIONS} training and {PAPER_VAL} "
          f"validation faces per validation, {paper_val_per_train:.2f} validation faces per "
          f"training face): {paper_rate:.1f} examples/s, ratio {paper_rate / step_rate:.2f}")
    val_per_train = VALIDATIONS * n_val / n_train
    ceiling = step_seconds / (step_seconds + val_per_train * forward_seconds)
    print(f"ceiling of this protocol ({val_per_train:.2f} validation faces per training face, "
          f"each a bare forward pass): {ceiling:.2f}; fit / ceiling "
          f"{fit_rate / step_rate / ceiling:.2f}, at the paper's scale "
          f"{paper_rate / step_rate / ceiling:.2f}")
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    print(f"ratio fit/step: {fit_rate / step_rate:.2f}")


if __name__ == "__main__":
    main()
