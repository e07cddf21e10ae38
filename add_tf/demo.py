r"""Embedded demo data: a deterministic FaceForensics++-shaped tree of synthetic faces whose fakes
stay visible in raw and are partly hidden by H.264 at CRF 40 (the ADD paper's problem, Fig. 1).

Real videos (original/NNN): a drawn face (skin, blush, eyes, brows, nose, mouth, hair) that moves,
turns and rolls slightly over a background of a colour ramp and blobs; per identity: face size,
pose, lighting (gain and direction), optical blur (0-0.8 px) and sensor noise (sigma 3-7).
Fake videos (Demo/a_b, target a, source b), one kind per fake, a quarter each, in the spirit of
FaceForensics++'s four methods; every kind makes its region at half resolution and resamples it
(no sensor noise there, softer detail) and blends it with a soft mask:
- swap (Deepfakes / FaceSwap): b's inner face on a's head, with part of b's skin tone and
  lighting (colour / lighting mismatch, blend seam);
- reenact (Face2Face): a's mouth and chin moved by b's expression (bicubic resampling);
- texture (NeuralTextures): a's mouth and chin re-rendered with a banded (quantised) texture;
- gan (FaceShifter): b's inner face, colour-matched, up-sampled by pixel repetition, with a
  4-pixel grid (a GAN up-sampling fingerprint).
Every kind's up-sampling leaves a 2-pixel checkerboard (amplitude CHECKER) in its region: with the
missing noise, the trace a raw detector learns fast. Each fake draws a strength in 0..1 (times
TRACE) that scales what survives
compression (colour and lighting mismatch, misalignment, seam sharpness, banding, the 4-pixel
grid); the missing sensor noise and the checkerboard do not depend on it. Raw keeps them
all; CRF 23 keeps part of the noise; CRF 40 removes the noise and the finest patterns and leaves
only the stronger low-frequency traces, so a c40 detector can learn something but not all.

Qualities: raw = H.264 lossless (libx264rgb, qp 0, RGB) in .mp4: the codec family and container
FaceForensics++ used for its raw (c0) videos, and bit-exact RGB (no YUV rounding, no chroma
subsampling), so "raw" crops are exactly the rendered pixels;
c23 / c40 = libx264 CRF 23 / 40 (yuv420p) made from raw by pipelines.compress, as FF++ did.
84 identities = 42 pairs, split by pair as FF++ (splits/{train,val,test}.json) 24 / 5 / 13: 96
train, 20 val and 52 test videos of 16 frames of 64x64 (the frame is the face crop).

Criteria (issue 19), measured with plain students only (method none, random initial weights,
the demo budget of add_tf.fit): raw test AUC >= 0.98, c40 test accuracy 0.60-0.85, c23 between,
for three generator seeds; generate + prepare under 2 minutes on 2 cores.

    generate_demo_tree(root, seed=0)   # 168 videos x 3 qualities
    ensure_demo_records(data_dir)      # {data_dir}/demo, generated + prepared if absent
    python -m add_tf.demo --data-dir D --seed N --check   # the headroom table below

Headroom (2026-12-01, 2-core CPU shared with other jobs): plain ResNet18 students from random
weights, the demo budget with train.epochs=6 train.validations_per_epoch=1 (288 steps of 32),
test split 52 videos / 832 faces; noise probe = difficulty_check (val + test faces). Measured
with the commands --check runs in process, one process per quality Q:

    python -m add_tf.demo --data-dir D --seed N
    python -m add_tf.fit --method none --comp Q --data-dir D --run-dir D/runs/Q \
        --set model.weights=null train.epochs=6 train.validations_per_epoch=1

| generator seed | raw acc / AUC | c23 acc / AUC | c40 acc / AUC | probe raw / c23 / c40 |
|---|---|---|---|---|
| 0 | 1.000 / 1.000 | 0.960 / 0.996 | 0.696 / 0.810 | 0.927 / 0.872 / 0.582 |
| 1 | 0.986 / 0.999 | 0.924 / 0.991 | 0.603 / 0.688 | 0.965 / 0.930 / 0.615 |
| 2 | 1.000 / 1.000 | 0.861 / 0.935 | 0.678 / 0.781 | 0.941 / 0.902 / 0.598 |

Generate + prepare: 30-63 s (generation 10-22 s with one process per core); one training run
110-280 s, depending on the other jobs' load.
"""

import json
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from add_tf.core import atomic

log = logging.getLogger("add_tf.demo")

NUM_IDS = 84  # 42 pairs -> 24 / 5 / 13 (train / val / test): 52 test videos
SPLIT_FRACTIONS = (0.58, 0.12, 0.30)  # of the pairs; FF++ is 0.72 / 0.14 / 0.14
NUM_FRAMES = 16
FRAME_SIZE = 64
FPS = 25
RECORD_FRAMES = 16  # frames sampled per video by ensure_demo_records
FAKE_KINDS = ("swap", "reenact", "texture", "gan")
# Scale of the traces that survive compression (colour / lighting mismatch, seams, banding, the
# period-4 grid); each fake draws its own strength in 0..1 on top.
TRACE = 0.8
CHECKER = 8.0  # amplitude of the 2-pixel checkerboard left by the generator's up-sampling


def _identity(rng):
    """One person in one scene: looks, background, camera (noise, blur, light) and motion."""
    return {
        "skin": rng.uniform([150, 100, 70], [235, 190, 160]),
        "hair": rng.uniform([10, 5, 0], [120, 90, 60]),
        "bg_a": rng.uniform(30, 225, 3), "bg_b": rng.uniform(30, 225, 3),
        "bg_angle": rng.uniform(0, 2 * np.pi),
        "blobs": [(rng.uniform(0, 1, 2), rng.uniform(0.05, 0.2), rng.uniform(30, 225, 3))
                  for _ in range(int(rng.integers(1, 4)))],
        "face_w": rng.uniform(0.22, 0.33), "face_h": rng.uniform(0.3, 0.42),
        "eye_dx": rng.uniform(0.09, 0.13), "eye_y": rng.uniform(-0.08, -0.03),
        "eye_r": rng.uniform(0.025, 0.04), "iris": rng.uniform([20, 20, 20], [120, 140, 160]),
        "mouth_w": rng.uniform(0.07, 0.12), "mouth_y": rng.uniform(0.17, 0.22),
        "lips": rng.uniform([120, 40, 40], [200, 90, 90]),
        "nose_l": rng.uniform(0.06, 0.1), "brow_t": rng.uniform(0.008, 0.016),
        "blush": [(rng.uniform(-0.6, 0.6, 2), rng.uniform(0.1, 0.3), rng.uniform(-14, 14, 3))
                  for _ in range(2)],
        "light": (rng.uniform(0.8, 1.15), rng.uniform(0, 2 * np.pi), rng.uniform(0.0, 0.4)),
        "noise": rng.uniform(3.0, 7.0), "blur": rng.uniform(0.0, 0.8),
        "yaw": rng.uniform(-0.25, 0.25), "roll": rng.uniform(-12, 12),
        "phase": rng.uniform(0, 2 * np.pi, 6),
    }


def _fake_spec(rng, index, trace=TRACE):
    """Kind (cycled, so each is a quarter of the fakes) and trace strength of fake `index`."""
    return {"kind": FAKE_KINDS[index % len(FAKE_KINDS)], "strength": trace * rng.uniform(0, 1),
            "colour": rng.normal(0, 1, 3), "shift": rng.uniform(-1, 1, 2)}


def _pose(ident, t):
    """(cx, cy, zoom, mouth_open, yaw, roll) of `ident` at frame t."""
    p = ident["phase"]
    return (0.5 + 0.03 * np.sin(0.35 * t + p[0]), 0.52 + 0.025 * np.sin(0.27 * t + p[1]),
            1.0 + 0.04 * np.sin(0.2 * t + p[2]), 0.5 + 0.5 * np.sin(0.5 * t + p[3]),
            ident["yaw"] + 0.05 * np.sin(0.3 * t + p[4]),
            ident["roll"] + 3 * np.sin(0.25 * t + p[5]))


_GRIDS = {}


def _grid(n):
    if n not in _GRIDS:
        _GRIDS[n] = tuple(g.astype(np.float32) / n for g in np.mgrid[0:n, 0:n])
    return _GRIDS[n]


def _light(ident, size, light=None):
    """Illumination field (size, size, 1): gain times a linear ramp along the light direction."""
    gain, angle, slope = ident["light"] if light is None else light
    yy, xx = _grid(size)
    ramp = np.cos(angle) * (xx - 0.5) + np.sin(angle) * (yy - 0.5)
    return (gain * (1 + slope * ramp))[..., None]


def _render(ident, features, t, size, skin=None, expression=None, light=None):
    """Noise-free frame (size, size, 3) float32 of `ident` (pose, scene, skin) with the inner
    features of `features` and the mouth of `expression`'s pose; and its masks
    {"inner": inner face, "lower": mouth and chin} (size, size) float32 in 0..1."""
    import cv2

    n = size
    cx, cy, zoom, _, yaw, roll = _pose(ident, t)
    mouth_open = _pose(expression or ident, t)[3]
    yy, xx = _grid(n)
    ang = ident["bg_angle"]
    ramp = np.clip((np.cos(ang) * (xx - 0.5) + np.sin(ang) * (yy - 0.5)) + 0.5, 0, 1)[..., None]
    img = ident["bg_a"].astype(np.float32) * (1 - ramp) + ident["bg_b"].astype(np.float32) * ramp
    for centre, radius, colour in ident["blobs"]:
        cv2.circle(img, (int(centre[0] * n), int(centre[1] * n)), int(radius * n), colour.tolist(),
                   -1, cv2.LINE_AA)
    skin = ident["skin"] if skin is None else skin
    s = zoom * n
    cos, sin = np.cos(np.radians(roll)), np.sin(np.radians(roll))

    def at(dx, dy):  # face coordinates (units of s, x to the right, y down) -> pixel
        dx = dx + yaw * 0.12
        return (int(cx * n + (dx * cos - dy * sin) * s), int(cy * n + (dx * sin + dy * cos) * s))

    fw, fh = int(ident["face_w"] * s), int(ident["face_h"] * s)
    centre = at(-yaw * 0.12, 0)
    cv2.ellipse(img, at(-yaw * 0.12, -ident["face_h"] / 3), (int(fw * 1.08), int(fh * 0.8)),
                roll, 180, 360, ident["hair"].tolist(), -1, cv2.LINE_AA)
    cv2.ellipse(img, centre, (fw, fh), roll, 0, 360, skin.tolist(), -1, cv2.LINE_AA)
    face = np.zeros((n, n), np.float32)
    cv2.ellipse(face, centre, (fw, fh), roll, 0, 360, 1.0, -1, cv2.LINE_AA)
    for offset, radius, delta in ident["blush"]:  # uneven skin tone (real and fake alike)
        patch = np.zeros((n, n), np.float32)
        cv2.circle(patch, at(offset[0] * ident["face_w"], offset[1] * ident["face_h"]),
                   max(1, int(radius * s * 0.5)), 1.0, -1)
        patch = cv2.GaussianBlur(patch, (0, 0), max(0.5, radius * s * 0.3)) * face
        img += patch[..., None] * delta
    f = features
    for side in (-1, 1):
        ex, ey = at(side * f["eye_dx"] * (1 - side * yaw * 0.5), f["eye_y"])
        r = max(2, int(f["eye_r"] * s))
        iris = (ex + int(yaw * r), ey)
        cv2.ellipse(img, (ex, ey), (int(r * 1.6), r), roll, 0, 360, (245, 245, 240), -1,
                    cv2.LINE_AA)
        cv2.circle(img, iris, int(r * 0.8), f["iris"].tolist(), -1, cv2.LINE_AA)
        cv2.circle(img, iris, max(1, int(r * 0.35)), (10, 10, 10), -1, cv2.LINE_AA)
        brow_a = at(side * f["eye_dx"] - 0.05, f["eye_y"] - 0.05)
        brow_b = at(side * f["eye_dx"] + 0.05, f["eye_y"] - 0.055)
        cv2.line(img, brow_a, brow_b, (f["hair"] * 0.6).tolist(), max(1, int(f["brow_t"] * s)),
                 cv2.LINE_AA)
    cv2.line(img, at(0, f["eye_y"] + 0.03), at(-0.015, f["eye_y"] + 0.03 + f["nose_l"]),
             (skin * 0.75).tolist(), max(1, int(0.01 * s)), cv2.LINE_AA)
    mouth = at(0, f["mouth_y"])
    cv2.ellipse(img, mouth, (int(f["mouth_w"] * s), max(1, int((0.01 + 0.02 * mouth_open) * s))),
                roll, 0, 360, f["lips"].tolist(), -1, cv2.LINE_AA)
    img = np.clip(img * _light(ident, n, light), 0, 255)
    inner = np.zeros((n, n), np.float32)
    cv2.ellipse(inner, at(-yaw * 0.12, 0.04), (int(fw * 0.78), int(fh * 0.72)), roll, 0, 360, 1.0,
                -1, cv2.LINE_AA)
    lower = np.zeros((n, n), np.float32)
    cv2.ellipse(lower, at(0, ident["mouth_y"] * 0.7), (int(fw * 0.7), int(fh * 0.45)), roll, 0,
                360, 1.0, -1, cv2.LINE_AA)
    return img, {"inner": inner, "lower": lower * face}


def _generated(target, source, spec, t, size):
    """The manipulation of one frame: (generated face (size, size, 3), blend mask (size, size)).

    swap (Deepfakes / FaceSwap): source's inner face, its skin tone and lighting partly kept;
    reenact (Face2Face): target's mouth region moved by source's expression;
    texture (NeuralTextures): target's mouth region re-rendered with a banded texture;
    gan (FaceShifter): source's inner face, colour matched, with a 4-pixel grid.
    All are made at half resolution and resampled (no sensor noise, softer detail) with the
    up-sampler's 2-pixel checkerboard."""
    import cv2

    kind, strength = spec["kind"], spec["strength"]
    mismatch = spec["colour"] * 12.0 * strength
    half = size // 2
    if kind == "swap":
        light = tuple(np.add(np.multiply(target["light"], 1 - strength),
                             np.multiply(source["light"], strength)))
        face, masks = _render(target, source, t, size, skin=target["skin"] + mismatch, light=light)
        region, interp = "inner", cv2.INTER_LINEAR
    elif kind == "reenact":
        face, masks = _render(target, target, t, size, expression=source,
                              skin=target["skin"] + 0.5 * mismatch)
        region, interp = "lower", cv2.INTER_CUBIC
    elif kind == "texture":
        face, masks = _render(target, target, t, size, skin=target["skin"] + 0.3 * mismatch)
        region, interp = "lower", cv2.INTER_LINEAR
    else:
        face, masks = _render(target, source, t, size, skin=target["skin"] + 0.3 * mismatch)
        region, interp = "inner", cv2.INTER_NEAREST
    face = cv2.resize(cv2.resize(face, (half, half), interpolation=cv2.INTER_AREA), (size, size),
                      interpolation=interp)
    shift = spec["shift"] * 1.5 * strength  # misalignment of the generated face (pixels)
    face = cv2.warpAffine(face, np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]), (size, size),
                          borderMode=cv2.BORDER_REFLECT)
    if kind == "texture":  # a coarsely quantised texture: colour bands
        step = 2.0 + 10.0 * strength
        face = np.round(face / step) * step
    yy, xx = np.mgrid[0:size, 0:size]
    if kind == "gan":
        face = cv2.blur(face, (2, 2)) + ((np.cos(np.pi * xx / 2) + np.cos(np.pi * yy / 2))
                                         * 4.0 * strength)[..., None]
    face = face + np.where((xx + yy) % 2 == 0, CHECKER, -CHECKER)[..., None]  # up-sampler trace
    mask = cv2.GaussianBlur(masks[region], (0, 0), size * (0.01 + 0.02 * (1 - strength)))
    return face, mask


def _frames(target, source, spec, size, frames, rng):
    """uint8 frames (size, size, 3) of a real video (source None) or a fake one."""
    import cv2

    out = []
    for t in range(frames):
        real, _ = _render(target, target, t, size)
        if target["blur"] > 0.05:
            real = cv2.GaussianBlur(real, (0, 0), target["blur"])
        frame = real + rng.normal(0, target["noise"], real.shape)
        if source is not None:
            face, mask = _generated(target, source, spec, t, size)
            frame = mask[..., None] * face + (1 - mask[..., None]) * frame
        out.append(np.clip(np.round(frame), 0, 255).astype(np.uint8))
    return out


def _write_video(job):
    """One demo video `target` (manipulated by `source` when given) in every quality."""
    from add_tf import media
    from pipelines import compress, layout

    root, seed, target, source, target_ident, source_ident, spec, size, frames, qualities = job
    method = layout.ORIGINAL if source is None else layout.DEMO_METHOD
    name = target if source is None else f"{target}_{source}"
    frame_rng = np.random.default_rng([seed] + [ord(ch) for ch in name])
    raw_path = os.path.join(layout.source_dir(root, method, "raw"), f"{name}.mp4")
    imgs = _frames(target_ident, source_ident, spec, size, frames, frame_rng)
    media.write_video(raw_path, imgs, fps=FPS, codec="libx264rgb",
                      options={"qp": "0", "preset": "veryfast"}, pix_fmt="rgb24")
    for quality in qualities:
        if quality != "raw":
            dst = os.path.join(layout.source_dir(root, method, quality), f"{name}.mp4")
            compress.compress_video(raw_path, dst, compress.CRF[quality], preset="medium")


def _split_pairs(pairs):
    """{split: pairs} cut by SPLIT_FRACTIONS, every split non-empty from 3 pairs on."""
    n_val, n_test = (int(round(f * len(pairs))) for f in SPLIT_FRACTIONS[1:])
    if len(pairs) >= 3:
        n_val, n_test = max(n_val, 1), max(n_test, 1)
    n_train = len(pairs) - n_val - n_test
    return {"train": pairs[:n_train], "val": pairs[n_train:n_train + n_val],
            "test": pairs[n_train + n_val:]}


def generate_demo_tree(root, seed=0, num_ids=NUM_IDS, frames=NUM_FRAMES, size=FRAME_SIZE,
                       qualities=("raw", "c23", "c40"), workers=None, trace=TRACE):
    """Write the demo tree under `root` (FaceForensics++ layout, method folder "Demo",
    splits/{train,val,test}.json). Deterministic for a given seed. Returns `root`.

    workers: processes writing videos (default: one per core; 1 = in this process). They are
    spawned, so a script calling this needs the usual `if __name__ == "__main__":` guard.
    trace: scale of the traces that survive compression (the demo's difficulty at c23 / c40)."""
    from pipelines import layout, splits

    rng = np.random.default_rng(seed)
    ids = [f"{i:03d}" for i in range(num_ids)]
    identities = {vid: _identity(rng) for vid in ids}
    order = list(rng.permutation(num_ids))
    pairs = [[ids[order[2 * k]], ids[order[2 * k + 1]]] for k in range(num_ids // 2)]
    splits.write_split_files(os.path.join(root, "splits"), _split_pairs(pairs))
    fakes = [(a, b) for a, b in pairs] + [(b, a) for a, b in pairs]
    specs = [_fake_spec(rng, k, trace) for k in range(len(fakes))]
    work = [(root, seed, vid, None, identities[vid], None, None, size, frames, tuple(qualities))
            for vid in ids]
    work += [(root, seed, a, b, identities[a], identities[b], spec, size, frames, tuple(qualities))
             for (a, b), spec in zip(fakes, specs)]
    workers = min(workers or os.cpu_count() or 1, len(work))
    if workers > 1:  # spawn: safe when the caller has TensorFlow (threads) loaded
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            list(pool.map(_write_video, work, chunksize=4))
    else:
        list(map(_write_video, work))
    if "raw" not in qualities:
        import shutil

        for method in (layout.ORIGINAL, layout.DEMO_METHOD):
            shutil.rmtree(os.path.dirname(layout.source_dir(root, method, "raw")))
    kinds = {f"{a}_{b}": spec["kind"] for (a, b), spec in zip(fakes, specs)}
    described = {"seed": seed, "ids": num_ids, "frames": frames, "size": size, "kinds": kinds}
    atomic.write_json(os.path.join(root, "DEMO.json"), described)
    return root


def ensure_demo_records(data_dir, seed=0, frames=RECORD_FRAMES, beam_args=None):
    """{data_dir}/demo with prepared records; generated (tree in {data_dir}/demo_videos) and
    prepared (full-frame detector, in-process Beam runner) when absent. Returns the path."""
    from add_tf.data import schema

    records = os.path.join(str(data_dir), "demo")
    if os.path.isfile(os.path.join(records, schema.MANIFEST)):
        return records
    tree = os.path.join(str(data_dir), "demo_videos")
    if not os.path.isfile(os.path.join(tree, "DEMO.json")):
        log.info("generating the demo videos in %s", tree)
        generate_demo_tree(tree, seed=seed)
    from pipelines import prepare

    prepare.run(["--ffpp-root", tree, "--out", records, "--detector", "full-frame",
                 "--frames", str(frames), "--size", str(FRAME_SIZE), "--methods", "Demo",
                 *(beam_args or ["--direct_running_mode=in_memory", "--direct_num_workers=1"])])
    return records


NOISE_BINS = np.linspace(-3.0, 3.0, 13)  # log2 of a block's high-pass standard deviation


def _noise_features(images):
    """Per image, over blocks of S/16 pixels of the high-pass residual: histogram of the noise level
    (log2 std, 12 bins) and its 5th / 25th / 50th percentiles (a fake's generated region has no
    sensor noise), and the 50th / 90th / 99th percentiles of the blocks' 2-pixel checkerboard
    amplitude (the up-sampler's trace). images: uint8 or float (N, S, S, 3) -> (N, 18)."""
    import cv2

    feats = []
    for img in images:
        gray = np.asarray(img, np.float32).mean(axis=-1)
        residual = gray - cv2.GaussianBlur(gray, (0, 0), 1.0)
        b = max(4, gray.shape[0] // 16)
        n = gray.shape[0] // b
        blocks = residual[:n * b, :n * b].reshape(n, b, n, b)
        levels = np.log2(blocks.std(axis=(1, 3)).ravel() + 1e-3)
        hist = np.histogram(np.clip(levels, NOISE_BINS[0], NOISE_BINS[-1]), NOISE_BINS)[0]
        sign = np.where(np.add.outer(np.arange(b), np.arange(b)) % 2 == 0, 1.0, -1.0)
        checker = np.abs(np.einsum("iajb,ab->ij", blocks, sign)).ravel() / b ** 2
        feats.append(np.concatenate([hist / levels.size, np.percentile(levels, [5, 25, 50]),
                                     np.log2(np.percentile(checker, [50, 90, 99]) + 1e-3)]))
    return np.asarray(feats)


def difficulty_check(records_dir, qualities=("raw", "c23", "c40")):
    """Fake-vs-real accuracy of a logistic regression on the noise-level features, trained on the
    train split and scored on val+test, per quality: {quality: accuracy}. A quick probe of the
    high-frequency traces only (no network)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from add_tf.data import make_dataset

    def load(splits, quality):
        xs, ys = [], []
        for split in splits:
            for (_, student), label in make_dataset(records_dir, "Demo", split, quality,
                                                    batch_size=256):
                xs.append(_noise_features(student.numpy()))
                ys.append(label.numpy())
        return np.concatenate(xs), np.concatenate(ys)

    scores = {}
    for quality in qualities:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(*load(["train"], quality))
        scores[quality] = float(model.score(*load(["val", "test"], quality)))
    return scores


def headroom(data_dir, qualities=("raw", "c23", "c40"), overrides=()):
    """Test metrics of a plain student (method none, random initial weights, the demo budget)
    trained on each quality of the demo records in `data_dir`: {quality: {"acc", "auc"}}.
    Runs through add_tf.fit.main in this process, run dirs {data_dir}/headroom/{quality};
    overrides: more "section.key=value" items for the training."""
    from add_tf import fit

    table = {}
    for quality in qualities:
        run_dir = os.path.join(str(data_dir), "headroom", quality)
        fit.main(["--method", "none", "--comp", quality, "--data-dir", str(data_dir),
                  "--run-dir", run_dir, "--verbose", "0",
                  "--set", "model.weights=null", *overrides])
        with open(os.path.join(run_dir, "metrics.json")) as f:
            test = json.load(f)["test"]
        table[quality] = {"acc": test["acc"], "auc": test["auc"]}
    return table


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m add_tf.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", action="store_true",
                        help="train a plain student on raw, c23 and c40 and print the headroom "
                             "table (test acc / AUC) and the noise probe's accuracy")
    parser.add_argument("--set", dest="overrides", nargs="+", default=[],
                        help="training overrides for --check, e.g. train.epochs=6")
    cli = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path = ensure_demo_records(cli.data_dir, seed=cli.seed)
    print(path)
    if cli.check:
        probe = difficulty_check(path)
        table = headroom(cli.data_dir, overrides=cli.overrides)
        print("\nquality  plain acc  plain AUC  noise probe acc")
        for quality, row in table.items():
            print(f"{quality:7}  {row['acc']:9.3f}  {row['auc']:9.3f}  {probe[quality]:15.3f}")
