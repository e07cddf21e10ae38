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
Every kind's up-sampling leaves a 2-pixel checkerboard in its region, its amplitude drawn per
fake in CHECKER (8-28 grey levels): with the missing noise, the trace a raw detector learns
fast. CRF 40 erases it where it is weak and leaves a faint, blocky rest where it is strong
(`python benchmarks/trace_survival.py`): the raw teacher's trace is still there, weakened, in part
of the c40 fakes, the situation the paper's distillation is made for. Each fake also draws a
strength in 0..1 (times TRACE) that scales the other traces that survive compression (colour and
lighting mismatch, misalignment, seam sharpness, banding, the 4-pixel grid). Raw keeps them
all; CRF 23 keeps part of the noise and the checkerboard; CRF 40 removes the noise and the
finest patterns and leaves the stronger low-frequency traces and the rest of the strongest
checkerboards, so a c40 detector can learn something but not all.

Qualities: raw = H.264 lossless (libx264rgb, qp 0, RGB) in .mp4: the codec family and container
FaceForensics++ used for its raw (c0) videos, and bit-exact RGB (no YUV rounding, no chroma
subsampling), so "raw" crops are exactly the rendered pixels;
c23 / c40 = libx264 CRF 23 / 40 (yuv420p) made from raw by pipelines.compress, as FF++ did.
84 identities = 42 pairs, split by pair as FF++ (splits/{train,val,test}.json) 24 / 5 / 13: 96
train, 20 val and 52 test videos of 10 frames of 64x64 (the frame is the face crop).

What the demo must show, checked with plain students only (method none, random initial weights,
the demo budget of add_tf.fit): raw test AUC >= 0.98, c40 test accuracy 0.60-0.85, c23 between,
for several generator seeds (`--check`); the figures are in benchmarks/README.md ("The demo
generator") and docs/results.

    generate_demo_tree(root, seed=0)   # 168 videos x 3 qualities
    ensure_demo_records(data_dir)      # {data_dir}/demo, generated + prepared if absent
    python -m add_tf.demo --data-dir D --seed N --check   # raw / c23 / c40 students + noise probe

"""

import argparse
import logging
import os

from add_tf import fit
from add_tf.core import atomic, console, errors
from add_tf.core.names import QUALITIES
from add_tf.synthetic import demo_data
from add_tf.synthetic.difficulty import difficulty_check
from add_tf.training import one_run
from add_tf.training.strategy import make_strategy


def headroom(data_dir, qualities=QUALITIES, overrides=(), overwrite=False):
    """Test metrics of a plain student (method none, random initial weights, the demo budget)
    trained on each quality of the demo records in `data_dir`: {quality: {"acc", "auc"}}.
    Run dirs {data_dir}/headroom/{quality}; overrides: more "section.key=value" items for the
    training; overwrite: train them again, e.g. with other overrides."""
    table = {}
    for quality in qualities:
        run_dir = os.path.join(str(data_dir), "headroom", quality)
        config = fit.config_from(None, ["model.weights=null", *overrides], {
            "loss.method": "none", "data.comp": quality, "data.data_dir": str(data_dir)})
        request = one_run.Request(config, run_dir, os.path.dirname(run_dir),
                                  overwrite=overwrite)
        one_run.check(request, demo_data.INPUTS)
        scores = fit.train_and_score(request, make_strategy(config.train.strategy), verbose=0)
        test = scores[f"none ({quality})"]
        table[quality] = {"acc": test["acc"], "auc": test["auc"]}
    return table


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m add_tf.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--seed", type=int, default=None,
                        help="generator seed of a new draw (default 0); a data dir holding "
                             "another draw stops the command")
    parser.add_argument("--check", action="store_true",
                        help="train a plain student on raw, c23 and c40 and print the headroom "
                             "table (test acc / AUC) and the noise probe's accuracy")
    parser.add_argument("--set", dest="overrides", nargs="+", default=[],
                        help="training overrides for --check, e.g. train.epochs=6")
    parser.add_argument("--overwrite", action="store_true",
                        help="--check: train the plain students again (their runs in "
                             "DATA_DIR/headroom are replaced), e.g. after changing --set")
    errors.add_debug_argument(parser)
    return parser


@errors.command
def main(argv=None):
    """Generate and prepare the demo records (if absent) and print their path; --check: the
    headroom table."""
    console.quiet()
    cli = build_parser().parse_args(argv)
    atomic.require_writable_dir(cli.data_dir, "--data-dir")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path = demo_data.ensure_demo_records(cli.data_dir, seed=cli.seed)
    print(path)
    if cli.check:
        probe = difficulty_check(path)
        table = headroom(cli.data_dir, overrides=cli.overrides, overwrite=cli.overwrite)
        print("\nquality  plain acc  plain AUC  noise probe acc")
        for quality, row in table.items():
            print(f"{quality:7}  {row['acc']:9.3f}  {row['auc']:9.3f}  {probe[quality]:15.3f}")


if __name__ == "__main__":
    main()
