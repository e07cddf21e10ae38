import json
import math

import numpy as np
import pytest
from scipy.interpolate import interp1d
from scipy.optimize import brentq
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score, roc_curve

from add_tf.evaluation import metrics


def _random_case(seed, n=200):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    probs = np.clip(rng.normal(0.35 + 0.3 * labels, 0.25), 0, 1)
    return labels, probs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frame_metrics_match_sklearn(seed):
    labels, probs = _random_case(seed)
    m = metrics.frame_metrics(labels, probs)
    assert m["acc"] == pytest.approx(accuracy_score(labels, probs >= 0.5))
    assert m["auc"] == pytest.approx(roc_auc_score(labels, probs))
    assert m["ap"] == pytest.approx(average_precision_score(labels, probs))
    fpr, tpr, _ = roc_curve(labels, probs)
    reference = brentq(lambda x: 1.0 - x - interp1d(fpr, tpr)(x), 0.0, 1.0)
    assert m["eer"] == pytest.approx(reference, abs=1e-6)


def test_hand_computed_frame_metrics():
    labels = [0, 0, 1, 1]
    probs = [0.1, 0.6, 0.4, 0.9]
    m = metrics.frame_metrics(labels, probs)
    assert m["acc"] == pytest.approx(0.5)
    assert m["auc"] == pytest.approx(0.75)  # 3 of 4 (fake, real) pairs ordered right
    assert m["eer"] == pytest.approx(0.5)
    # AP: ranks 0.9 (fake, P=1), 0.6 (real), 0.4 (fake, P=2/3): (1 + 2/3) / 2
    assert m["ap"] == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.eer([0, 0, 0, 1, 1, 1], [0.1, 0.2, 0.7, 0.3, 0.8, 0.9]) == pytest.approx(1 / 3)


def test_perfect_and_inverted_scores():
    labels = [0, 0, 1, 1]
    assert metrics.eer(labels, [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert metrics.auc(labels, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.eer(labels, [0.9, 0.8, 0.2, 0.1]) == 1.0
    assert metrics.accuracy(labels, [0.9, 0.8, 0.2, 0.1]) == 0.0


def test_single_class_is_nan_and_json_null():
    m = metrics.frame_metrics([1, 1, 1], [0.2, 0.7, 0.9])
    assert m["acc"] == pytest.approx(2 / 3)
    assert math.isnan(m["auc"]) and math.isnan(m["eer"]) and math.isnan(m["ap"])
    out = json.loads(json.dumps(metrics.to_jsonable({"test": m, "n": np.int64(3)})))
    assert out["test"]["auc"] is None and out["n"] == 3


def test_input_errors():
    with pytest.raises(ValueError, match="same length"):
        metrics.accuracy([0, 1], [0.5])
    with pytest.raises(ValueError, match="0 \\(real\\) or 1"):
        metrics.auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="empty"):
        metrics.auc([], [])


def test_recall_at_1_hand_computed():
    gallery = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    gallery_labels = np.array([0, 1, 1])
    queries = np.array([[1.0, 0.0], [9.0, 1.0], [1.0, 8.0], [6.0, 0.0]])
    # nearest: 0 (label 0), 1 (label 1), 2 (label 1), 1 (label 1)
    query_labels = np.array([0, 1, 0, 0])
    assert metrics.recall_at_1(queries, query_labels, gallery, gallery_labels) == pytest.approx(0.5)
    # chunking does not change the result
    assert metrics.recall_at_1(queries, query_labels, gallery, gallery_labels, chunk=1) == 0.5


def test_recall_at_1_brute_force():
    rng = np.random.default_rng(3)
    q, g = rng.normal(size=(50, 8)), rng.normal(size=(70, 8))
    ql, gl = rng.integers(0, 2, 50), rng.integers(0, 2, 70)
    d = np.linalg.norm(q[:, None, :] - g[None, :, :], axis=-1)
    expected = np.mean(gl[np.argmin(d, axis=1)] == ql)
    assert metrics.recall_at_1(q, ql, g, gl, chunk=7) == pytest.approx(expected)
    with pytest.raises(ValueError, match="same width"):
        metrics.recall_at_1(q, ql, g[:, :4], gl)


def test_video_grouping_keeps_methods_apart():
    # 000_003 exists in two methods: must be two videos, not one.
    methods = [b"Deepfakes", b"Deepfakes", b"Face2Face", b"Face2Face", b"original", b"original"]
    vids = ["000_003", "000_003", "000_003", "000_003", "000", "000"]
    labels = [1, 1, 1, 1, 0, 0]
    probs = [0.9, 0.7, 0.2, 0.3, 0.1, 0.5]
    scores = metrics.video_scores(labels, probs, methods, vids)
    assert set(scores) == {("Deepfakes", "000_003"), ("Face2Face", "000_003"), ("original", "000")}
    assert scores[("Deepfakes", "000_003")] == (pytest.approx(0.8), 1)
    assert scores[("Face2Face", "000_003")] == (pytest.approx(0.25), 1)
    assert scores[("original", "000")] == (pytest.approx(0.3), 0)
    v = metrics.video_metrics(labels, probs, methods, vids)
    assert v["videos"] == 3
    assert v["video_acc"] == pytest.approx(2 / 3)  # Face2Face video 0.25 < 0.5 -> wrong
    assert v["video_auc"] == pytest.approx(0.5)  # fakes 0.8, 0.25 vs real 0.3


def test_video_with_mixed_labels_is_an_error():
    with pytest.raises(ValueError, match="both labels"):
        metrics.video_scores([0, 1], [0.1, 0.9], ["original", "original"], ["000", "000"])


def test_all_metrics():
    labels, probs = _random_case(5, 40)
    emb = np.stack([probs, 1 - probs], axis=1)
    m = metrics.all_metrics(
        labels, probs, emb, emb, labels, ["Demo"] * 40,
        [f"{label}_{i % 5}" for i, label in enumerate(labels)]
    )
    assert set(metrics.METRIC_NAMES) <= set(m)
    assert m["r_at_1"] == 1.0  # querying the gallery itself
    partial = metrics.all_metrics(labels, probs)
    assert math.isnan(partial["r_at_1"]) and math.isnan(partial["video_auc"])
