"""Scoring a run's classifier (add_tf.evaluation.checkpoints): on a test split of its dataset
(`evaluate_run`) or on records of any layout made by pipelines.prepare (`evaluate_records`, what
add_tf.evaluation.scored_records resolves); the results are merged into the run's metrics.json
under `add_tf.core.names.metrics_key` (add_tf.evaluation.metrics_file).

Frame level ACC / AUC / EER / AP and Recall@1 (test embeddings against the training-split
embeddings of the evaluated records and quality, Euclidean), video level AUC / ACC (mean fake
probability per (method, video id)). The records are read as they are: the demo records must
exist before a demo run is evaluated (the commands make them).
"""

from __future__ import annotations

import itertools

import numpy as np
import tensorflow as tf

from add_tf.core import config as config_lib
from add_tf.core.names import metrics_key
from add_tf.data import make_dataset, report_damaged_shards, training_set
from add_tf.evaluation import metrics as metrics_lib
from add_tf.evaluation import scored_records
from add_tf.evaluation.checkpoints import load_checkpoint
from add_tf.evaluation.metrics_file import store_metrics
from add_tf.models import feature_model
from add_tf.training import one_run, runs

BATCH = 64  # faces scored per step at most (a run's own batch when it is smaller)


def _batch_size(config, asked=None):
    return asked or min(config.train.batch_size, BATCH)


def _collect(infer, datasets, with_meta):
    probs, labels, embeddings, methods, videos = [], [], [], [], []
    for element in itertools.chain(*datasets):
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


def evaluate_model(model, records_dir, record_sets, comp, batch_size=BATCH, gallery_limit=None,
                   splits=("test",), gallery="train"):
    """All metrics of `model` (a classifier) on `splits` of the records at quality `comp`, with
    the number of real and fake faces; Recall@1 against the `gallery` split (None: nan)."""
    features = feature_model(model, names=("embedding", "logits"))
    infer = tf.function(lambda x: features(x, training=False))

    def dataset(split, with_meta):
        return make_dataset(
            records_dir,
            record_sets,
            split,
            student_quality=comp,
            teacher_quality=comp,
            batch_size=batch_size,
            training=False,
            with_meta=with_meta,
        )

    read = tuple(splits) + ((gallery,) if gallery else ())
    with report_damaged_shards(records_dir, record_sets, read):
        labels, probs, emb, methods, videos = _collect(
            infer, [dataset(split, True) for split in splits], True)
        gallery_labels = gallery_emb = None
        if gallery:
            train_ds = dataset(gallery, False)
            if gallery_limit:
                train_ds = train_ds.unbatch().take(gallery_limit).batch(batch_size)
            gallery_labels, _, gallery_emb, _, _ = _collect(infer, [train_ds], False)
    result = metrics_lib.all_metrics(
        labels,
        probs,
        embeddings=emb,
        train_embeddings=gallery_emb,
        train_labels=gallery_labels,
        methods=methods,
        video_ids=videos,
    )
    result["fake_frames"] = int(np.sum(labels == 1))
    result["real_frames"] = int(np.sum(labels == 0))
    return result


def evaluate_run(run_dir, dataset=None, comp=None, data_dir=None, batch_size=None,
                 gallery_limit=None, checkpoint=None, write=True):
    """Evaluate a run's model on the test split of its records, or of `dataset` (a name of
    DATASETS; under `data_dir`, default the run's data.data_dir), at quality `comp` (default:
    the run's); merge into run_dir/metrics.json under `metrics_key`; return the metrics dict."""
    config = runs.read_config(run_dir)
    scored = config_lib.Config.from_dict(config.to_dict())  # the records to score
    if dataset:
        scored.data.dataset, scored.data.records, scored.data.fakes = dataset, None, None
    if data_dir:
        scored.data.data_dir = data_dir
    comp = comp or config.data.comp
    batch_size = _batch_size(config, batch_size)
    records = training_set.of(scored)
    model = load_checkpoint(run_dir, config, checkpoint)
    result = evaluate_model(model, records.records_dir, records.sets, comp, batch_size,
                            gallery_limit)
    if write:  # the run's own key for its own records (folder and fake sets) and quality only
        own = records.reads_as(training_set.of(config)) and comp == config.data.comp
        key = metrics_key(None if own else scored.data.dataset, comp, checkpoint=checkpoint)
        store_metrics(run_dir, key, result, config)
    return result


def test_metrics(run_dir, inputs=one_run.PREPARED):
    """The test metrics of a finished run: those its metrics.json holds, else scored now (and
    stored) on the records `inputs` makes when they are missing (add_tf.training.one_run)."""
    stored = runs.stored_test(run_dir)
    if stored is not None:
        return stored
    inputs.ensure(runs.read_config(run_dir), run_dir)
    return evaluate_run(run_dir)


def evaluate_records(run_dir, records_dir, comp=None, split="test", batch_size=None,
                     gallery_limit=None, checkpoint=None, write=True):
    """Score a run's model on any prepared records (every face of the split, originals and all
    fakes), at the quality of `scored_records.choose_quality`; "all" scores every split, with no
    Recall@1 (no gallery apart from the scored faces). A set with one class only gets accuracy
    and Recall@1 (AUC / EER / AP / video AUC are nan).

    Returns (key, metrics, notes): the metrics.json key, the metrics dict (nan where undefined)
    and the lines that say which quality was scored and what could not be computed."""
    config = runs.read_config(run_dir)
    plan = scored_records.resolve(run_dir, records_dir, comp, split, checkpoint, config)
    notes = list(plan.notes)
    gallery = "train" if split == "test" and plan.faces.get("train") else None
    if gallery is None:
        why = "--split all scores the training faces too" if split == "all" else \
            "the records have no training faces"
        notes.append(f"Recall@1 not computed: {why} (its gallery)")
    model = load_checkpoint(run_dir, config, checkpoint)
    batch_size = _batch_size(config, batch_size)
    result = evaluate_model(model, records_dir, "all", plan.quality, batch_size,
                            gallery_limit, splits=plan.splits, gallery=gallery)
    present = [c for c in ("real", "fake") if result[f"{c}_frames"]]
    if len(present) == 1:
        notes.append(f"only {present[0]} faces: accuracy and Recall@1 only; AUC / EER / AP / "
                     "video AUC are undefined with one class")
    if write:
        store_metrics(run_dir, plan.key, result, config)
    return plan.key, result, notes
