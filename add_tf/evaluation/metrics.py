"""Evaluation metrics of add_tf (scikit-learn based), frame level and video level.

Conventions: label 1 = fake, `probs` is the predicted probability of class 1 (fake).

- Frame level: ACC (threshold 0.5), AUC (`roc_auc_score`), EER (equal error rate from
  `roc_curve`, linearly interpolated where FNR crosses FPR), AP (`average_precision_score`),
  Recall@1 (each test embedding is queried against the training-set embeddings by Euclidean
  distance; a hit when the nearest training sample has the same label -- the authors' protocol).
- Video level: the mean fake probability over a video's frames; videos are keyed by
  `(method, video_id)` so that `000_003` of Deepfakes and of Face2Face never merge.

Metrics that are undefined for the given labels (AUC / EER / AP with one class only) are
`float("nan")`; `to_jsonable` turns them into `None` for `metrics.json`.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from add_tf.core.names import METRIC_NAMES  # noqa: F401  (metrics.METRIC_NAMES)
from add_tf.core.threshold import THRESHOLD, is_fake


def _as_arrays(labels, probs):
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    probs = np.asarray(probs, dtype=np.float64).reshape(-1)
    if labels.shape != probs.shape:
        raise ValueError(
            f"labels and probs must have the same length. Received: {labels.shape[0]} labels, "
            f"{probs.shape[0]} probs"
        )
    if labels.size == 0:
        raise ValueError("No samples to evaluate (received empty labels).")
    bad = set(np.unique(labels).tolist()) - {0, 1}
    if bad:
        raise ValueError(f"labels must be 0 (real) or 1 (fake). Received values: {sorted(bad)}")
    return labels, probs


def _two_classes(labels):
    return np.unique(labels).size == 2


def accuracy(labels, probs, threshold=THRESHOLD):
    """Share of samples with `is_fake(prob, threshold) == label` (add_tf.core.threshold)."""
    labels, probs = _as_arrays(labels, probs)
    return float(np.mean(is_fake(probs, threshold).astype(np.int64) == labels))


def auc(labels, probs):
    """ROC AUC (nan when only one class is present)."""
    labels, probs = _as_arrays(labels, probs)
    if not _two_classes(labels):
        return float("nan")
    return float(roc_auc_score(labels, probs))


def average_precision(labels, probs):
    """Average precision with fake as the positive class (nan when there is no fake)."""
    labels, probs = _as_arrays(labels, probs)
    if not _two_classes(labels):
        return float("nan")
    return float(average_precision_score(labels, probs))


def eer(labels, probs):
    """Equal error rate: the point of the ROC curve where FPR = FNR (= 1 - TPR).

    `roc_curve` gives FPR rising and FNR falling over decreasing thresholds; the first point
    where FNR <= FPR and the point before it bracket the crossing, which is linearly
    interpolated. Perfect separation gives 0, perfectly inverted scores 1.
    """
    labels, probs = _as_arrays(labels, probs)
    if not _two_classes(labels):
        return float("nan")
    fpr, tpr, _ = roc_curve(labels, probs)
    fnr = 1.0 - tpr
    diff = fnr - fpr  # starts at 1 (fpr=0, fnr=1), ends at -1 (fpr=1, fnr=0)
    i = int(np.argmax(diff <= 0))
    if i == 0 or diff[i] == 0:
        return float((fpr[i] + fnr[i]) / 2)
    # Crossing between i-1 (diff > 0) and i (diff < 0).
    t = diff[i - 1] / (diff[i - 1] - diff[i])
    value_fpr = fpr[i - 1] + t * (fpr[i] - fpr[i - 1])
    value_fnr = fnr[i - 1] + t * (fnr[i] - fnr[i - 1])
    return float((value_fpr + value_fnr) / 2)


def recall_at_1(query_embeddings, query_labels, gallery_embeddings, gallery_labels, chunk=256):
    """Recall@1: share of queries whose Euclidean nearest gallery sample has the same label.

    query_embeddings (Nq, D), gallery_embeddings (Ng, D). Computed in chunks of queries
    (squared distance |q|^2 - 2 q.g + |g|^2); ties go to the lowest gallery index.
    """
    q = np.asarray(query_embeddings, dtype=np.float64)
    g = np.asarray(gallery_embeddings, dtype=np.float64)
    ql = np.asarray(query_labels).reshape(-1)
    gl = np.asarray(gallery_labels).reshape(-1)
    if q.ndim != 2 or g.ndim != 2 or q.shape[1] != g.shape[1]:
        raise ValueError(
            "Embeddings must be 2-D with the same width. Received: "
            f"query {q.shape}, gallery {g.shape}"
        )
    if q.shape[0] != ql.shape[0] or g.shape[0] != gl.shape[0]:
        raise ValueError("One label per embedding is required.")
    if q.shape[0] == 0 or g.shape[0] == 0:
        raise ValueError(f"Empty query or gallery. Received: query {q.shape}, gallery {g.shape}")
    g_sq = np.sum(g * g, axis=1)
    hits = 0
    for start in range(0, q.shape[0], chunk):
        block = q[start : start + chunk]
        d = np.sum(block * block, axis=1, keepdims=True) - 2.0 * block @ g.T + g_sq[None, :]
        nearest = np.argmin(d, axis=1)
        hits += int(np.sum(gl[nearest] == ql[start : start + chunk]))
    return float(hits / q.shape[0])


def frame_metrics(labels, probs, threshold=THRESHOLD):
    """{"acc", "auc", "eer", "ap"} over frames (faces)."""
    return {
        "acc": accuracy(labels, probs, threshold),
        "auc": auc(labels, probs),
        "eer": eer(labels, probs),
        "ap": average_precision(labels, probs),
    }


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def video_scores(labels, probs, methods, video_ids):
    """Group frames into videos keyed by `(method, video_id)`.

    Returns `{(method, video_id): (mean fake prob, label)}`. All frames of one video must carry
    the same label (a mixed video is an error: it means two videos were merged).
    """
    labels, probs = _as_arrays(labels, probs)
    methods = [_text(m) for m in np.asarray(methods).reshape(-1)]
    video_ids = [_text(v) for v in np.asarray(video_ids).reshape(-1)]
    if not (len(methods) == len(video_ids) == labels.shape[0]):
        raise ValueError(
            "labels, probs, methods and video_ids must have the same length. Received: "
            f"{labels.shape[0]}, {probs.shape[0]}, {len(methods)}, {len(video_ids)}"
        )
    sums, counts, video_labels = {}, {}, {}
    for label, prob, method, vid in zip(labels.tolist(), probs.tolist(), methods, video_ids):
        key = (method, vid)
        sums[key] = sums.get(key, 0.0) + prob
        counts[key] = counts.get(key, 0) + 1
        if video_labels.setdefault(key, label) != label:
            raise ValueError(f"Video {key} has frames with both labels.")
    return {key: (sums[key] / counts[key], video_labels[key]) for key in sums}


def video_metrics(labels, probs, methods, video_ids, threshold=THRESHOLD):
    """{"video_auc", "video_acc"} on per-video mean fake probabilities (+ "videos" count)."""
    scores = video_scores(labels, probs, methods, video_ids)
    keys = sorted(scores)
    v_probs = np.array([scores[k][0] for k in keys])
    v_labels = np.array([scores[k][1] for k in keys])
    return {
        "video_auc": auc(v_labels, v_probs),
        "video_acc": accuracy(v_labels, v_probs, threshold),
        "videos": len(keys),
    }


def all_metrics(
    labels,
    probs,
    embeddings=None,
    train_embeddings=None,
    train_labels=None,
    methods=None,
    video_ids=None,
    threshold=THRESHOLD,
):
    """Every metric of METRIC_NAMES that the inputs allow (missing ones are nan)."""
    out = frame_metrics(labels, probs, threshold)
    out["r_at_1"] = float("nan")
    if embeddings is not None and train_embeddings is not None and train_labels is not None:
        out["r_at_1"] = recall_at_1(embeddings, labels, train_embeddings, train_labels)
    out["video_auc"] = out["video_acc"] = float("nan")
    if methods is not None and video_ids is not None:
        out.update(video_metrics(labels, probs, methods, video_ids, threshold))
    out["frames"] = int(np.asarray(labels).size)
    return out


def to_jsonable(value):
    """nan / inf -> None, numpy scalars -> Python, recursively (for metrics.json)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if not math.isfinite(value) else value
    if isinstance(value, np.integer):
        return int(value)
    return value
