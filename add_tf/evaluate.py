"""`python -m add_tf.evaluate --run DIR [--dataset ...] [--comp ...]`: test-split metrics.

Frame level ACC / AUC / EER / AP and Recall@1 (test embeddings against the training-split
embeddings of the evaluated dataset and quality, Euclidean), video level AUC / ACC (mean fake
probability per (method, video id)). The result is merged into DIR/metrics.json under
"test" (the run's own dataset and quality) or "test_{dataset}_{comp}" (any other, e.g. a
cross-method test), and printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

from add_tf import config as config_lib
from add_tf import metrics as metrics_lib


def _collect(infer, ds, with_meta):
    probs, labels, embeddings, methods, videos = [], [], [], [], []
    for element in ds:
        if with_meta:
            (_, images), label, meta = element
            methods.extend(meta["method"].numpy().tolist())
            videos.extend(meta["video_id"].numpy().tolist())
        else:
            (_, images), label = element
        out = infer(images)
        logits = np.asarray(out["logits"], np.float32)
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        probs.append(p[:, 1] / p.sum(axis=1))
        labels.append(label.numpy())
        embeddings.append(np.asarray(out["embedding"], np.float32))
    if not labels:
        raise ValueError("The dataset is empty.")
    return (
        np.concatenate(labels),
        np.concatenate(probs),
        np.concatenate(embeddings),
        methods,
        videos,
    )


def evaluate_model(model, records_dir, method_folder, comp, batch_size=64, gallery_limit=None):
    """All metrics of `model` (a classifier) on the test split at quality `comp`."""
    import tensorflow as tf

    from add_tf.data import make_dataset
    from add_tf.models import feature_model

    features = feature_model(model, names=("embedding", "logits"))
    infer = tf.function(lambda x: features(x, training=False))

    def dataset(split, with_meta):
        return make_dataset(
            records_dir,
            method_folder,
            split,
            student_quality=comp,
            teacher_quality=comp,
            batch_size=batch_size,
            training=False,
            with_meta=with_meta,
        )

    labels, probs, emb, methods, videos = _collect(infer, dataset("test", True), True)
    train_ds = dataset("train", False)
    if gallery_limit:
        train_ds = train_ds.unbatch().take(gallery_limit).batch(batch_size)
    g_labels, _, g_emb, _, _ = _collect(infer, train_ds, False)
    return metrics_lib.all_metrics(
        labels,
        probs,
        embeddings=emb,
        train_embeddings=g_emb,
        train_labels=g_labels,
        methods=methods,
        video_ids=videos,
    )


def load_run_config(run_dir):
    path = os.path.join(run_dir, "config.yaml")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{run_dir} is not a run dir (no config.yaml)")
    return config_lib.load_config(path)


def load_checkpoint(run_dir, config, checkpoint=None):
    """The classifier of a run: student.keras, another .keras file or a student .weights.h5."""
    import keras

    path = checkpoint or os.path.join(run_dir, "student.keras")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No checkpoint at {path}")
    if path.endswith(".weights.h5"):
        from add_tf.models import build_classifier

        model = build_classifier(
            config.model.backbone, image_size=config.model.image_size, name="student"
        )
        model.load_weights(path)
        return model
    return keras.models.load_model(path, compile=False)


def evaluate_run(run_dir, dataset=None, comp=None, data_dir=None, batch_size=None,
                 gallery_limit=None, checkpoint=None, write=True):
    """Evaluate a run's model; merge into run_dir/metrics.json; return the metrics dict."""
    from add_tf.data import records_location

    config = load_run_config(run_dir)
    dataset = dataset or config.data.dataset
    comp = comp or config.data.comp
    data_dir = data_dir or config.data.data_dir
    batch_size = batch_size or min(config.train.batch_size, 64)
    if dataset == "demo":
        from add_tf import demo

        demo.ensure_demo_records(data_dir)
    records_dir, method_folder = records_location(data_dir, dataset)
    model = load_checkpoint(run_dir, config, checkpoint)
    result = evaluate_model(model, records_dir, method_folder, comp, batch_size, gallery_limit)
    own = dataset == config.data.dataset and comp == config.data.comp and checkpoint is None
    key = "test" if own else f"test_{dataset}_{comp}"
    if write:
        path = os.path.join(run_dir, "metrics.json")
        stored = {}
        if os.path.exists(path):
            with open(path) as f:
                stored = json.load(f)
        stored[key] = metrics_lib.to_jsonable(result)
        state_path = os.path.join(run_dir, "training_state.json")
        if os.path.exists(state_path):
            with open(state_path) as f:
                stored["training"] = json.load(f)
        stored["run"] = {
            "dataset": config.data.dataset,
            "comp": config.data.comp,
            "method": config.loss.method,
            "backbone": config.model.backbone,
            "seed": config.train.seed,
        }
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(stored, f, indent=2)
        os.replace(tmp, path)
    return result


def build_parser():
    p = argparse.ArgumentParser(
        prog="python -m add_tf.evaluate", description="Evaluate a trained run on a test split."
    )
    p.add_argument("--run", required=True, help="run dir written by add_tf.fit")
    p.add_argument("--dataset", choices=sorted(config_lib.DATASETS), help="default: the run's")
    p.add_argument("--comp", choices=config_lib.QUALITIES, help="default: the run's")
    p.add_argument("--data-dir", help="default: the run's data.data_dir")
    p.add_argument("--checkpoint", help="a .keras file or a student .weights.h5 (default: "
                   "RUN/student.keras)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--gallery-limit", type=int, help="use at most N training faces for Recall@1")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        result = evaluate_run(
            args.run,
            dataset=args.dataset,
            comp=args.comp,
            data_dir=args.data_dir,
            batch_size=args.batch_size,
            gallery_limit=args.gallery_limit,
            checkpoint=args.checkpoint,
        )
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    config = load_run_config(args.run)
    name = f"{args.dataset or config.data.dataset}/{args.comp or config.data.comp}"
    print(metrics_lib.format_table({name: result}, title_column="test"))
    return result


if __name__ == "__main__":
    main()
