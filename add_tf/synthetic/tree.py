"""The demo tree: a deterministic FaceForensics++-shaped tree of synthetic face videos.

    {root}/original_sequences/youtube/{raw,c23,c40}/videos/NNN.mp4
    {root}/manipulated_sequences/Demo/{raw,c23,c40}/videos/a_b.mp4   (target a, source b)
    {root}/splits/{train,val,test}.json, {root}/DEMO.json (seed, sizes, kind of every fake)

With `ffpp_methods` the fakes go to FaceForensics++'s method folders instead, one per fake kind,
and DEMO.json names the kind of each folder:
    {root}/manipulated_sequences/{Deepfakes,Face2Face,NeuralTextures,FaceShifter}/{q}/videos/a_b.mp4
"""

import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from add_tf.core import atomic
from add_tf.core.names import DEMO_METHOD, ORIGINAL, QUALITIES
from add_tf.synthetic import fakes
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
                       qualities=QUALITIES, workers=None, trace=fakes.TRACE, ffpp_methods=False):
    """Write the demo tree under `root` (FaceForensics++ layout, method folder "Demo",
    splits/{train,val,test}.json). Deterministic for a given seed. Returns `root`.

    workers: processes writing videos (default: one per core; 1 = in this process). They are
    spawned, so a script calling this needs the usual `if __name__ == "__main__":` guard.
    trace: scale of the traces that survive compression (the demo's difficulty at c23 / c40).
    ffpp_methods: FF++ as a whole, for training on several methods at once: one method folder
    per fake kind (FakeKind.ffpp_method), each with the fakes a_b and b_a of every pair, as FF++
    has (reals are 1 in 5 videos), instead of "Demo"; the same reals and splits as without it.
    DEMO.json then maps each folder to its kind ("methods") instead of each fake ("kinds")."""
    rng = np.random.default_rng(seed)
    ids = [f"{i:03d}" for i in range(num_ids)]
    identities = {vid: identity(rng) for vid in ids}
    order = list(rng.permutation(num_ids))
    pairs = [[ids[order[2 * k]], ids[order[2 * k + 1]]] for k in range(num_ids // 2)]
    splits.write_split_files(os.path.join(root, "splits"), split_pairs(pairs))
    targets_sources = [(a, b) for a, b in pairs] + [(b, a) for a, b in pairs]
    if ffpp_methods:  # fake_spec(rng, k) draws a fake of the k-th kind
        made = [(fakes.get(kind).ffpp_method, fake, fakes.fake_spec(rng, k, trace))
                for k, kind in enumerate(fakes.kinds()) for fake in targets_sources]
    else:
        made = [(DEMO_METHOD, fake, fakes.fake_spec(rng, k, trace))
                for k, fake in enumerate(targets_sources)]
    work = [(root, ORIGINAL, seed, vid, None, identities[vid], None, None, size, frames,
             tuple(qualities)) for vid in ids]
    work += [(root, method, seed, a, b, identities[a], identities[b], spec, size, frames,
              tuple(qualities)) for method, (a, b), spec in made]
    _write_all(work, workers)
    if "raw" not in qualities:
        for method in {ORIGINAL, *(method for method, _, _ in made)}:
            shutil.rmtree(os.path.dirname(ffpp.source_dir(root, method, "raw")))
    described = {"version": GENERATOR_VERSION, "seed": seed, "ids": num_ids, "frames": frames,
                 "size": size}
    if ffpp_methods:
        described["methods"] = {fakes.get(kind).ffpp_method: kind for kind in fakes.kinds()}
    else:
        described["kinds"] = {f"{a}_{b}": spec["kind"] for _, (a, b), spec in made}
    atomic.write_json(os.path.join(root, DESCRIPTION), described)
    return root
