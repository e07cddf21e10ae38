"""Embedded demo data: a small, deterministic FaceForensics++-shaped tree of synthetic faces.

Real videos: a drawn face (skin ellipse, eyes, brows, nose, mouth, hair) moving slightly over a
smooth background, rendered supersampled and with mild sensor noise. Manipulated ("Demo")
videos a_b: the inner face of identity b is pasted onto video a (colour-matched to a's skin),
the way a face-swap generator does: rendered at half resolution and upsampled, so the pasted
region loses the sensor noise, with a faint 2-pixel checkerboard (the up-convolution
fingerprint of GAN generators), blended with a soft mask. These traces live in the highest
frequencies; H.264 at CRF 40 largely removes them (the situation of the ADD paper's Fig. 1).

Qualities: raw = H.264 lossless (libx264rgb, qp 0, RGB) in .mp4: the codec family and container
FaceForensics++ used for its raw (c0) videos, and bit-exact RGB (no YUV rounding, no chroma
subsampling), so "raw" crops are exactly the rendered pixels;
c23 / c40 = libx264 CRF 23 / 40 (yuv420p) made from raw by pipelines.compress, as FF++ did.

    generate_demo_tree(root, seed=0)   # 64 videos x 3 qualities (44 s on the 2-core dev machine)
    ensure_demo_records(data_dir)      # {data_dir}/demo, generated + prepared if absent (+53 s there)
"""

import json
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np

log = logging.getLogger("add_tf.demo")

NUM_IDS = 32  # 16 pairs -> 12 / 2 / 2 pairs (train / val / test), like FF++ 360 / 70 / 70
NUM_FRAMES = 12
FRAME_SIZE = 128
FPS = 25
RECORD_FRAMES = 8  # frames sampled per video by ensure_demo_records
NOISE_SIGMA = 3.0
CHECKER_AMPLITUDE = 3.0


def _identity(rng):
    return {
        "skin": rng.uniform([150, 100, 70], [235, 190, 160]),
        "hair": rng.uniform([10, 5, 0], [120, 90, 60]),
        "bg_a": rng.uniform(40, 220, 3), "bg_b": rng.uniform(40, 220, 3),
        "bg_angle": rng.uniform(0, 2 * np.pi),
        "face_w": rng.uniform(0.27, 0.33), "face_h": rng.uniform(0.36, 0.42),
        "eye_dx": rng.uniform(0.09, 0.13), "eye_y": rng.uniform(-0.08, -0.03),
        "eye_r": rng.uniform(0.025, 0.04), "iris": rng.uniform([20, 20, 20], [120, 140, 160]),
        "mouth_w": rng.uniform(0.07, 0.12), "mouth_y": rng.uniform(0.17, 0.22),
        "lips": rng.uniform([120, 40, 40], [200, 90, 90]),
        "nose_l": rng.uniform(0.06, 0.1), "brow_t": rng.uniform(0.008, 0.016),
        "phase": rng.uniform(0, 2 * np.pi, 4),
    }


def _pose(ident, t):
    p = ident["phase"]
    return (0.5 + 0.03 * np.sin(0.35 * t + p[0]), 0.52 + 0.025 * np.sin(0.27 * t + p[1]),
            1.0 + 0.04 * np.sin(0.2 * t + p[2]), 0.5 + 0.5 * np.sin(0.5 * t + p[3]))


_GRIDS = {}


def _grid(n):
    if n not in _GRIDS:
        _GRIDS[n] = tuple(g.astype(np.float32) / n for g in np.mgrid[0:n, 0:n])
    return _GRIDS[n]


def _render(ident, features, t, size, skin=None):
    """Face of `ident` (pose, background, skin) with the inner features of `features`."""
    import cv2

    ss = 1  # cv2 LINE_AA anti-aliases the edges
    n = size * ss
    cx, cy, zoom, mouth_open = _pose(ident, t)
    yy, xx = _grid(n)
    ang = ident["bg_angle"]
    ramp = np.clip((np.cos(ang) * (xx - 0.5) + np.sin(ang) * (yy - 0.5)) + 0.5, 0, 1)[..., None]
    img = (ident["bg_a"].astype(np.float32) * (1 - ramp) + ident["bg_b"].astype(np.float32) * ramp)
    skin = ident["skin"] if skin is None else skin
    c = (int(cx * n), int(cy * n))
    fw, fh = int(ident["face_w"] * zoom * n), int(ident["face_h"] * zoom * n)
    cv2.ellipse(img, (c[0], c[1] - fh // 3), (int(fw * 1.08), int(fh * 0.8)), 0, 180, 360,
                ident["hair"].tolist(), -1, cv2.LINE_AA)
    cv2.ellipse(img, c, (fw, fh), 0, 0, 360, skin.tolist(), -1, cv2.LINE_AA)
    shade = (yy - cy)[..., None] * 40.0
    img = np.clip(img - shade * ((xx - cx) ** 2 + (yy - cy) ** 2 < 0.2)[..., None], 0, 255)
    f = features
    s = zoom * n
    ey = int(c[1] + f["eye_y"] * s)
    for side in (-1, 1):
        ex = int(c[0] + side * f["eye_dx"] * s)
        r = max(2, int(f["eye_r"] * s))
        cv2.ellipse(img, (ex, ey), (int(r * 1.6), r), 0, 0, 360, (245, 245, 240), -1, cv2.LINE_AA)
        cv2.circle(img, (ex, ey), int(r * 0.8), f["iris"].tolist(), -1, cv2.LINE_AA)
        cv2.circle(img, (ex, ey), max(1, int(r * 0.35)), (10, 10, 10), -1, cv2.LINE_AA)
        cv2.line(img, (ex - int(r * 1.6), ey - int(r * 1.7)), (ex + int(r * 1.6), ey - int(r * 2.0)),
                 (f["hair"] * 0.6).tolist(), max(2, int(f["brow_t"] * s)), cv2.LINE_AA)
    nose_top, nose_bot = ey + int(0.03 * s), ey + int((0.03 + f["nose_l"]) * s)
    cv2.line(img, (c[0], nose_top), (c[0] - int(0.015 * s), nose_bot), (skin * 0.75).tolist(),
             max(2, int(0.01 * s)), cv2.LINE_AA)
    my = int(c[1] + f["mouth_y"] * s)
    mw = int(f["mouth_w"] * s)
    cv2.ellipse(img, (c[0], my), (mw, max(2, int((0.01 + 0.02 * mouth_open) * s))), 0, 0, 360,
                f["lips"].tolist(), -1, cv2.LINE_AA)
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    inner = np.zeros((size, size), np.float32)
    cv2.ellipse(inner, (c[0] // ss, c[1] // ss + int(0.04 * zoom * size)),
                (int(fw / ss * 0.78), int(fh / ss * 0.72)), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    return img, inner


def _frames(target, source, size, frames, rng, fake):
    import cv2

    yy, xx = np.mgrid[0:size, 0:size]
    checker = np.where((xx + yy) % 2 == 0, 1.0, -1.0)[..., None] * CHECKER_AMPLITUDE
    out = []
    for t in range(frames):
        real, mask = _render(target, target, t, size)
        noise = rng.normal(0, NOISE_SIGMA, real.shape)
        frame = real + noise
        if fake:
            half, _ = _render(target, source, t, size // 2)  # generator output: low resolution
            half = cv2.resize(half, (size, size), interpolation=cv2.INTER_LINEAR) + checker
            soft = cv2.GaussianBlur(mask, (0, 0), 1.5)[..., None]
            frame = soft * half + (1 - soft) * frame
        out.append(np.clip(np.round(frame), 0, 255).astype(np.uint8))
    return out


def _write_video(job):
    """One demo video `target` (face of `source` pasted when given) in every quality."""
    from add_tf import media
    from pipelines import compress, layout

    root, seed, target, source, target_ident, source_ident, size, frames, qualities = job
    method = layout.ORIGINAL if source is None else layout.DEMO_METHOD
    name = target if source is None else f"{target}_{source}"
    frame_rng = np.random.default_rng([seed] + [ord(ch) for ch in name])
    raw_path = os.path.join(layout.source_dir(root, method, "raw"), f"{name}.mp4")
    imgs = _frames(target_ident, source_ident, size, frames, frame_rng, source is not None)
    media.write_video(raw_path, imgs, fps=FPS, codec="libx264rgb",
                      options={"qp": "0", "preset": "veryfast"}, pix_fmt="rgb24")
    for quality in qualities:
        if quality != "raw":
            dst = os.path.join(layout.source_dir(root, method, quality), f"{name}.mp4")
            compress.compress_video(raw_path, dst, compress.CRF[quality], preset="medium")


def generate_demo_tree(root, seed=0, num_ids=NUM_IDS, frames=NUM_FRAMES, size=FRAME_SIZE,
                       qualities=("raw", "c23", "c40"), workers=None):
    """Write the demo tree under `root` (FaceForensics++ layout, method folder "Demo",
    splits/{train,val,test}.json). Deterministic for a given seed. Returns `root`.

    workers: processes writing videos (default: one per core; 1 = in this process). They are
    spawned, so a script calling this needs the usual `if __name__ == "__main__":` guard."""
    from pipelines import layout, splits

    rng = np.random.default_rng(seed)
    ids = [f"{i:03d}" for i in range(num_ids)]
    identities = {vid: _identity(rng) for vid in ids}
    order = list(rng.permutation(num_ids))
    pairs = [[ids[order[2 * k]], ids[order[2 * k + 1]]] for k in range(num_ids // 2)]
    n_train, n_val = int(round(0.72 * len(pairs))), int(round(0.14 * len(pairs)))
    if len(pairs) >= 3:  # every split non-empty
        n_train = min(max(n_train, 1), len(pairs) - 2)
        n_val = min(max(n_val, 1), len(pairs) - n_train - 1)
    split_pairs = {"train": pairs[:n_train], "val": pairs[n_train:n_train + n_val],
                   "test": pairs[n_train + n_val:]}
    splits.write_split_files(os.path.join(root, "splits"), split_pairs)
    jobs = [(vid, None) for vid in ids] + [(a, b) for a, b in pairs] + [(b, a) for a, b in pairs]
    work = [(root, seed, target, source, identities[target], identities.get(source), size, frames,
             tuple(qualities)) for target, source in jobs]
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
    with open(os.path.join(root, "DEMO.json"), "w") as f:
        json.dump({"seed": seed, "ids": num_ids, "frames": frames, "size": size}, f)
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


def _highpass_features(images):
    """Per image: log energy of the high-pass residual (centre / border / ratio) and the
    2-pixel checkerboard energy in the centre. images: uint8 or float (N, S, S, 3)."""
    import cv2

    feats = []
    for img in images:
        gray = np.asarray(img, np.float32).mean(axis=-1)
        res = gray - cv2.GaussianBlur(gray, (0, 0), 1.0)
        s = gray.shape[0]
        c = slice(s // 4, 3 * s // 4)
        centre, whole = res[c, c], res
        border = (np.sum(whole ** 2) - np.sum(centre ** 2)) / (whole.size - centre.size)
        yy, xx = np.mgrid[0:centre.shape[0], 0:centre.shape[1]]
        checker = np.abs(np.mean(centre * np.where((xx + yy) % 2 == 0, 1.0, -1.0)))
        e_c = np.log(np.mean(centre ** 2) + 1e-3)
        e_b = np.log(border + 1e-3)
        feats.append([e_c, e_b, e_c - e_b, np.log(checker + 1e-3)])
    return np.asarray(feats)


def difficulty_check(records_dir, qualities=("raw", "c23", "c40")):
    """Fake-vs-real accuracy of a logistic regression on high-pass features, trained on the
    train split and scored on val+test, per quality: {quality: accuracy}."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from add_tf.data import make_dataset

    def load(split, quality):
        xs, ys = [], []
        for (_, student), label in make_dataset(records_dir, "Demo", split, quality, batch_size=256):
            xs.append(student.numpy())
            ys.append(label.numpy())
        return np.concatenate(xs), np.concatenate(ys)

    scores = {}
    for quality in qualities:
        x_tr, y_tr = load("train", quality)
        parts = [load(s, quality) for s in ("val", "test")]
        x_te, y_te = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(_highpass_features(x_tr), y_tr)
        scores[quality] = float(model.score(_highpass_features(x_te), y_te))
    return scores


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m add_tf.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", action="store_true",
                        help="print fake-vs-real accuracy of a high-pass logistic regression per quality")
    cli = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path = ensure_demo_records(cli.data_dir, seed=cli.seed)
    print(path)
    if cli.check:
        for q, acc in difficulty_check(path).items():
            print(f"{q}: accuracy {acc:.3f}")
