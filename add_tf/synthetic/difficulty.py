"""The noise probe: how far the demo's high-frequency traces alone (sensor noise missing in a
fake's region, the up-sampler's checkerboard) tell fakes from reals in each quality, with a
logistic regression on noise-level features (no network)."""

import cv2
import numpy as np

from add_tf.core.names import DEMO_METHOD, QUALITIES
from add_tf.data import make_dataset
from add_tf.synthetic.fakes import checkerboard

NOISE_BINS = np.linspace(-3.0, 3.0, 13)  # log2 of a block's high-pass standard deviation


def noise_features(images):
    """Per image, over blocks of S/16 pixels of the high-pass residual: histogram of the noise level
    (log2 std, 12 bins) and its 5th / 25th / 50th percentiles (a fake's generated region has no
    sensor noise), and the 50th / 90th / 99th percentiles of the blocks' 2-pixel checkerboard
    amplitude (the up-sampler's trace). images: uint8 or float (N, S, S, 3) -> (N, 18)."""
    feats = []
    for img in images:
        gray = np.asarray(img, np.float32).mean(axis=-1)
        residual = gray - cv2.GaussianBlur(gray, (0, 0), 1.0)
        b = max(4, gray.shape[0] // 16)
        n = gray.shape[0] // b
        blocks = residual[:n * b, :n * b].reshape(n, b, n, b)
        levels = np.log2(blocks.std(axis=(1, 3)).ravel() + 1e-3)
        hist = np.histogram(np.clip(levels, NOISE_BINS[0], NOISE_BINS[-1]), NOISE_BINS)[0]
        checker = np.abs(np.einsum("iajb,ab->ij", blocks, checkerboard(b))).ravel() / b ** 2
        feats.append(np.concatenate([hist / levels.size, np.percentile(levels, [5, 25, 50]),
                                     np.log2(np.percentile(checker, [50, 90, 99]) + 1e-3)]))
    return np.asarray(feats)


def _load(records_dir, splits, quality):
    """(noise features, labels) of the student crops of `splits` at `quality`."""
    xs, ys = [], []
    for split in splits:
        for (_, student), label in make_dataset(records_dir, DEMO_METHOD, split, quality,
                                                batch_size=256):
            xs.append(noise_features(student.numpy()))
            ys.append(label.numpy())
    return np.concatenate(xs), np.concatenate(ys)


def difficulty_check(records_dir, qualities=QUALITIES):
    """Fake-vs-real accuracy of a logistic regression on the noise-level features, trained on the
    train split and scored on val+test, per quality: {quality: accuracy}. A quick probe of the
    high-frequency traces only (no network)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    scores = {}
    for quality in qualities:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(*_load(records_dir, ["train"], quality))
        scores[quality] = float(model.score(*_load(records_dir, ["val", "test"], quality)))
    return scores
