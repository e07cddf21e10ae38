"""Class balance on FaceForensics++ as a whole (a benchmark, not a test).

    python benchmarks/class_balance.py --seeds 0 1 --work /tmp/cb [--ids 64] [--qualities raw c40]
    python benchmarks/class_balance.py --compare monitor --seeds 0 1 2 --qualities c40 --work W

`--dataset ffpp` trains on the reals and every prepared manipulation, where the reals are 1 in 5
faces. `data.balance` chooses how training batches draw from the record sets: "none" (the
default) reads every record in turn (the classes 1:4), "classes" draws the reals half of the
time and each of the n fake sets 1/(2n) ("auto" is "classes" here). This benchmark measures what
that choice does to a plain student (`--method none`) on the demo's FF++-shaped data; with
`--compare monitor` it measures `train.monitor` instead (the best validation by accuracy, on a
split where calling every face fake scores 80 %, or by AUC), at the default balance:

1. generates a demo tree with FF++'s four manipulation folders (`ffpp_methods`: Deepfakes,
   Face2Face, NeuralTextures, FaceShifter; `--ids` identities, 64 by default where the demo
   has 84, so that the default run takes about 20 minutes on 2 cores; 10 frames of 64 px per
   video) in WORK/tree and prepares it into WORK/data/ffpp (full-frame detector, as the demo's
   records); both are reused when WORK already holds them;
2. trains one student per quality x setting (each value of the compared key) x seed with
   `add_tf.fit` in this process, at the demo's budget (ResNet18 from random weights, 6 epochs of
   batch 32, one validation per epoch, lr 1e-3, deterministic), each in
   WORK/runs/QUALITY-VALUE-seedSEED (a finished run is reused); the seeds go round by round, so
   a busy spell of a shared machine hits both settings alike;
3. scores two students of each run on the test split at its quality: the one the run keeps
   (`train.checkpoint` "best": the best validation by `train.monitor`, on the validation split
   read as it is, 1 real in 5 faces) and the one of its last validation (its backup); each at
   threshold 0.5 (`add_tf.core.threshold`): frame AUC, accuracy over all faces (1 real in
   5), accuracy on the reals, on the fakes and on each manipulation, and the balanced
   accuracy (the mean of the reals' and the fakes' accuracies);
4. prints one table per student, quality x setting -> mean ± std over the seeds, and the
   paired difference second - first setting (same quality, same seed) with its mean ± std;
   last, the machine's stall share (benchmarks/timing.py).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

from timing import stall_share

# --compare: the config key measured and its two values, the default first
COMPARED = {"balance": ("data.balance", ("none", "classes")),
            "monitor": ("train.monitor", ("val_acc", "val_auc"))}
# The demo's budget (add_tf.core.config.DEMO_DEFAULTS); `--dataset ffpp` starts from the
# paper's defaults, so they are given explicitly.
BUDGET = ["model.backbone=resnet18", "model.weights=null", "train.epochs=6",
          "train.batch_size=32", "train.validations_per_epoch=1", "train.patience=6",
          "train.learning_rate=1e-3", "train.deterministic=true"]
FRAMES = 10  # per video, as the demo's records (add_tf.synthetic.demo_data.RECORD_FRAMES)
COLUMNS = ("auc", "acc", "real", "fake", "balanced")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=None,
                        help="work folder: tree, records, runs (default: a new temporary one, "
                        "kept)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1],
                        help="training seeds (default: 0 1)")
    parser.add_argument("--qualities", nargs="+", default=["raw", "c40"],
                        choices=["raw", "c23", "c40"], help="student qualities (default: raw c40)")
    parser.add_argument("--ids", type=int, default=64,
                        help="identities of the generated tree (default: 64; the demo has 84)")
    parser.add_argument("--generator-seed", type=int, default=0)
    parser.add_argument("--compare", choices=sorted(COMPARED), default="balance",
                        help="the setting measured (default: balance)")
    parser.add_argument("--epochs", type=int, default=6,
                        help="training epochs (default: 6, the demo's; fewer for a quick look)")
    return parser.parse_args(argv)


def make_records(work, ids, qualities, generator_seed):
    """(data dir, seconds generating, seconds preparing): WORK/data/ffpp prepared from a demo
    tree with FF++'s method folders in WORK/tree; each step skipped (0 s) when done before."""
    from add_tf.core import atomic
    from add_tf.synthetic.tree import DESCRIPTION, FRAME_SIZE, generate_demo_tree
    from pipelines.layouts import ffpp
    from pipelines.preparation import job

    tree = os.path.join(work, "tree")
    data_dir = os.path.join(work, "data")
    records = os.path.join(data_dir, "ffpp")
    wanted = {"seed": generator_seed, "ids": ids, "frames": FRAMES}
    generated = prepared = 0.0
    described = atomic.read_json(os.path.join(tree, DESCRIPTION))
    if described is None:
        start = time.perf_counter()
        generate_demo_tree(tree, seed=generator_seed, num_ids=ids, frames=FRAMES,
                           size=FRAME_SIZE, qualities=tuple(qualities), ffpp_methods=True)
        generated = time.perf_counter() - start
        described = atomic.read_json(os.path.join(tree, DESCRIPTION))
    elif any(described.get(k) != v for k, v in wanted.items()):
        sys.exit(f"{tree} holds another tree ({described}); give another --work")
    if not os.path.isfile(os.path.join(records, "manifest.json")):
        start = time.perf_counter()
        found = ffpp.discover(tree, qualities=list(qualities), methods=list(described["methods"]))
        settings = job.make_settings(found, "ffpp", "ffpp", size=FRAME_SIZE, frames=FRAMES,
                                     detector="full-frame")
        settings["generator"] = described
        job.prepare(found, records, settings, beam_args=[
            "--direct_running_mode=multi_threading", f"--direct_num_workers={os.cpu_count() or 1}"])
        prepared = time.perf_counter() - start
    return data_dir, generated, prepared


def train(data_dir, runs_root, quality, setting, seed, epochs):
    """(run dir, seconds) of one plain student trained by add_tf.fit with `setting` (KEY=VALUE;
    reused when finished)."""
    import keras

    from add_tf import fit

    run_dir = os.path.join(runs_root, f"{quality}-{setting.partition('=')[2]}-seed{seed}")
    start = time.perf_counter()
    fit.main(["--dataset", "ffpp", "--data-dir", data_dir, "--runs-root", runs_root,
              "--run-dir", run_dir, "--method", "none", "--comp", quality,
              "--seed", str(seed), "--verbose", "0", "--no-evaluate",
              "--set", *BUDGET, f"train.epochs={epochs}", setting])
    seconds = time.perf_counter() - start
    keras.backend.clear_session()
    return run_dir, seconds


def students(run_dir):
    """{"kept": the student the run keeps (student.keras: train.checkpoint "best", the best
    validation by train.monitor), "last": the student of its last validation (its backup)}."""
    from add_tf.evaluation import checkpoints
    from add_tf.training import runs

    return {"kept": runs.load_model(run_dir),
            "last": checkpoints.last_committed_student(run_dir, runs.read_config(run_dir))}


def kept_validation(run_dir):
    """"validation N of M, val acc A, val AUC U" of the student a run keeps."""
    from add_tf.training import runs

    state = runs.read_state(run_dir)
    backup = runs.read_json(os.path.join(run_dir, runs.BACKUP, "state.json"))
    history = {entry["epoch"]: entry for entry in backup["tracker"]["history"]}
    kept = history[state["best_validation"]]
    return (f"validation {state['best_validation']} of {state['validations']}, val acc "
            f"{kept['val_acc'] * 100:.1f}, val AUC {kept['val_auc'] * 100:.1f}")


def score(model, records_dir, quality):
    """{"auc", "acc", "real", "fake", "balanced", manipulation: accuracy, "faces": {...}} of a
    classifier on the test split at `quality`."""
    import numpy as np
    import tensorflow as tf

    from add_tf.core.threshold import is_fake
    from add_tf.data import make_dataset
    from add_tf.evaluation import metrics

    infer = tf.function(lambda x: model(x, training=False))
    ds = make_dataset(records_dir, "all", "test", student_quality=quality,
                      teacher_quality=quality, batch_size=64, with_meta=True)
    labels, probs, methods = [], [], []
    for (_, images), label, meta in ds:
        logits = np.asarray(infer(images), np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        probs.append(p[:, 1] / p.sum(axis=1))
        labels.append(label.numpy())
        methods.extend(m.decode() for m in meta["method"].numpy())
    labels, probs, methods = np.concatenate(labels), np.concatenate(probs), np.array(methods)
    right = is_fake(probs).astype(np.int64) == labels
    result = {"auc": metrics.auc(labels, probs), "acc": float(right.mean()),
              "real": float(right[labels == 0].mean()), "fake": float(right[labels == 1].mean())}
    result["balanced"] = (result["real"] + result["fake"]) / 2
    result["faces"] = {}
    for name in sorted(set(methods)):
        result["faces"][name] = int(np.sum(methods == name))
        if name != "original":
            result[name] = float(right[methods == name].mean())
    return result


def mean_std(values):
    values = [v * 100 for v in values]
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.1f} ± {std:.1f}"


def print_table(title, scores, qualities, seeds, fakes, compared):
    """The table: quality x value of the `compared` key -> mean ± std over the seeds (in %),
    then the paired difference second - first value per quality (points)."""
    key, (first, second) = COMPARED[compared]
    difference = f"{second} - {first}"
    columns = COLUMNS + tuple(fakes)
    header = ["quality", compared] + [c if c in fakes else c.replace("real", "real acc")
                                       .replace("fake", "fake acc").replace("balanced",
                                                                            "balanced acc")
                                       for c in columns]
    rows = []
    for quality in qualities:
        for value in (first, second):
            rows.append([quality, value] + [
                mean_std([scores[quality, value, s][c] for s in seeds]) for c in columns])
        rows.append([quality, difference] + [
            mean_std([scores[quality, second, s][c] - scores[quality, first, s][c]
                      for s in seeds]) for c in columns])
    print(f"\n{title}: test split, mean ± std over seeds {' '.join(map(str, seeds))} (%, "
          f"threshold 0.5; '{difference}': paired by seed, in points; {key}):")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for quality in qualities:
        ratios = []
        for c in ("auc", "balanced"):
            ratio = statistics.mean(scores[quality, second, s][c] for s in seeds) / \
                statistics.mean(scores[quality, first, s][c] for s in seeds)
            ratios.append(f"{c} {ratio:.3f}")
        print(f"{title}, {quality}: ratio {second} / {first} of the means: {', '.join(ratios)}")


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    from add_tf.core import console

    console.quiet()  # before TensorFlow's first import
    work = args.work or tempfile.mkdtemp(prefix="add_tf_class_balance_")
    os.makedirs(work, exist_ok=True)
    print(f"work folder: {work}", flush=True)
    qualities = sorted(set(args.qualities) | {"raw"}, key=["raw", "c23", "c40"].index)
    data_dir, generated, prepared = make_records(work, args.ids, qualities, args.generator_seed)
    print(f"generate ({args.ids} ids, {FRAMES} frames, FF++ method folders): {generated:.1f} s;"
          f" prepare: {prepared:.1f} s (0: reused)", flush=True)

    from add_tf.data import read_manifest, training_set

    records_dir = os.path.join(data_dir, "ffpp")
    manifest = read_manifest(records_dir)
    fakes = sorted(training_set.held_fakes(manifest))
    counts = manifest["counts"]
    print("faces per split: " + "; ".join(
        f"{split} " + ", ".join(f"{name} {c['examples']}" for name, c in sorted(sets.items()))
        for split, sets in counts.items()), flush=True)
    runs_root = os.path.join(work, "runs")
    scores, seconds = {"kept": {}, "last": {}}, {}
    key, values = COMPARED[args.compare]
    for seed in args.seeds:
        for quality in args.qualities:
            for value in values:
                run_dir, took = train(data_dir, runs_root, quality, f"{key}={value}", seed,
                                      args.epochs)
                seconds[quality, value, seed] = took
                print(f"[{quality} {value} seed {seed}] fit {took:.0f} s; keeps "
                      f"{kept_validation(run_dir)}", flush=True)
                for which, model in students(run_dir).items():
                    result = score(model, records_dir, quality)
                    scores[which][quality, value, seed] = result
                    print(f"  {which}: " + ", ".join(
                        f"{c} {result[c] * 100:.1f}" for c in COLUMNS + tuple(fakes))
                        + f"; test faces {json.dumps(result['faces'])}", flush=True)
    print_table("Kept student (best validation)", scores["kept"], args.qualities, args.seeds,
                fakes, args.compare)
    print_table("Last student (last validation)", scores["last"], args.qualities, args.seeds,
                fakes, args.compare)
    runs_took = sorted(seconds.values())
    print(f"\nruns: {len(runs_took)}, fit {statistics.median(runs_took):.0f} s per run (median;"
          " 0 s: reused)")
    print(f"stall share: {stall_share() * 100:.0f} %")
    print(f"total: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
