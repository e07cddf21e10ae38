"""The demo tree: a deterministic FaceForensics++-shaped tree of synthetic face videos.

    {root}/original_sequences/youtube/{raw,c23,c40}/videos/NNN.mp4
    {root}/manipulated_sequences/Demo/{raw,c23,c40}/videos/a_b.mp4   (target a, source b)
    {root}/splits/{train,val,test}.json, {root}/DEMO.json (seed, sizes, kind of every fake)
"""

import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from add_tf.core import atomic
from add_tf.core.names import QUALITIES
from add_tf.synthetic.fakes import TRACE, fake_spec
from add_tf.synthetic.render import identity
from add_tf.synthetic.videos import write_video
from pipelines.layouts import ffpp, splits

NUM_IDS = 84  # 42 pairs -> 24 / 5 / 13 (train / val / test): 52 test videos
SPLIT_FRACTIONS = (0.58, 0.12, 0.30)  # of the pairs; FF++ is 0.72 / 0.14 / 0.14
NUM_FRAMES = 10
FRAME_SIZE = 64
DESCRIPTION = "DEMO.json"  # the generator's description of a tree: version, seed, sizes, kinds
# Raised whenever a seed draws other videos, so that data and runs of an earlier generator are
# refused (add_tf.synthetic.demo_data); 2: each fake's own checkerboard amplitude, 10 frames.
GENERATOR_VERSION = 2


def split_pairs(pairs):
    """{split: pairs} cut by SPLIT_FRACTIONS, every split non-empty from 3 pairs on."""
    n_val, n_test = (int(round(f * len(pairs))) for f in SPLIT_FRACTIONS[1:])
    if len(pairs) >= 3:
        n_val, n_test = max(n_val, 1), max(n_test, 1)
    n_train = len(pairs) - n_val - n_test
    return {"train": pairs[:n_train], "val": pairs[n_train:n_train + n_val],
            "test": pairs[n_train + n_val:]}


def _write_all(work, workers):
    """write_video of every job, in `workers` processes (1: in this one)."""
    workers = min(workers or os.cpu_count() or 1, len(work))
    if workers > 1:  # spawn: safe when the caller has TensorFlow (threads) loaded
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            list(pool.map(write_video, work, chunksize=4))
    else:
        list(map(write_video, work))


def generate_demo_tree(root, seed=0, num_ids=NUM_IDS, frames=NUM_FRAMES, size=FRAME_SIZE,
                       qualities=QUALITIES, workers=None, trace=TRACE):
    """Write the demo tree under `root` (FaceForensics++ layout, method folder "Demo",
    splits/{train,val,test}.json). Deterministic for a given seed. Returns `root`.

    workers: processes writing videos (default: one per core; 1 = in this process). They are
    spawned, so a script calling this needs the usual `if __name__ == "__main__":` guard.
    trace: scale of the traces that survive compression (the demo's difficulty at c23 / c40)."""
    rng = np.random.default_rng(seed)
    ids = [f"{i:03d}" for i in range(num_ids)]
    identities = {vid: identity(rng) for vid in ids}
    order = list(rng.permutation(num_ids))
    pairs = [[ids[order[2 * k]], ids[order[2 * k + 1]]] for k in range(num_ids // 2)]
    splits.write_split_files(os.path.join(root, "splits"), split_pairs(pairs))
    fakes = [(a, b) for a, b in pairs] + [(b, a) for a, b in pairs]
    specs = [fake_spec(rng, k, trace) for k in range(len(fakes))]
    work = [(root, seed, vid, None, identities[vid], None, None, size, frames, tuple(qualities))
            for vid in ids]
    work += [(root, seed, a, b, identities[a], identities[b], spec, size, frames, tuple(qualities))
             for (a, b), spec in zip(fakes, specs)]
    _write_all(work, workers)
    if "raw" not in qualities:
        for method in (ffpp.ORIGINAL, ffpp.DEMO_METHOD):
            shutil.rmtree(os.path.dirname(ffpp.source_dir(root, method, "raw")))
    kinds = {f"{a}_{b}": spec["kind"] for (a, b), spec in zip(fakes, specs)}
    described = {"version": GENERATOR_VERSION, "seed": seed, "ids": num_ids, "frames": frames,
                 "size": size, "kinds": kinds}
    atomic.write_json(os.path.join(root, DESCRIPTION), described)
    return root
