"""How much of a fake's 2-pixel checkerboard each quality keeps (a measurement of the demo).

    python benchmarks/trace_survival.py [--amplitudes 8 16 24 32] [--ids 12]

For every amplitude, a small demo tree (generator seed 99, `--ids` identities, every fake's
checkerboard at that amplitude) is written in raw, c23 and c40. Per fake video and frame, the
fake minus its target's real video (same pose and scene, so only the manipulation and the two
noise draws remain) is projected on the checkerboard in 16x16 blocks; printed per quality: the
largest block's amplitude in grey levels, averaged over frames and fakes. The row of amplitude
0 (`--amplitudes 0`) is the floor the manipulation alone gives.
"""

import argparse
import pathlib
import tempfile

import numpy as np

from add_tf.core.names import DEMO_METHOD, ORIGINAL, QUALITIES
from add_tf.media.video import read_video_frames
from add_tf.synthetic import fakes, tree
from pipelines.layouts import ffpp

BLOCK = 16


def grey_frames(path):
    """float32 (T, H, W): the mean of the colour channels of every frame of `path`."""
    return np.stack([rgb.astype(np.float32).mean(axis=-1)
                     for _, rgb in read_video_frames(str(path), range(tree.NUM_FRAMES))])


def checker_amplitude(difference):
    """Mean over frames of the largest 16x16 block's checkerboard amplitude. (T, S, S) -> float."""
    frames, size = difference.shape[0], difference.shape[1]
    n = size // BLOCK
    signed = (difference * fakes.checkerboard(size))[:, :n * BLOCK, :n * BLOCK]
    blocks = signed.reshape(frames, n, BLOCK, n, BLOCK)
    return float(np.abs(blocks.mean(axis=(2, 4))).max(axis=(1, 2)).mean())


def survival(root):
    """{quality: mean checkerboard amplitude of fake minus target real} of the tree at `root`."""
    found = {}
    for quality in QUALITIES:
        fake_dir = pathlib.Path(ffpp.source_dir(root, DEMO_METHOD, quality))
        real_dir = pathlib.Path(ffpp.source_dir(root, ORIGINAL, quality))
        target = {fake: real_dir / f"{fake.stem.split('_')[0]}.mp4"
                  for fake in sorted(fake_dir.glob("*.mp4"))}
        found[quality] = float(np.mean([checker_amplitude(grey_frames(f) - grey_frames(r))
                                        for f, r in target.items()]))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--amplitudes", type=float, nargs="+", default=[0, 8, 16, 24, 32])
    parser.add_argument("--ids", type=int, default=12)
    args = parser.parse_args()
    print("amplitude  " + "  ".join(f"{q:>6}" for q in QUALITIES))
    for amplitude in args.amplitudes:
        fakes.CHECKER = (amplitude, amplitude)
        with tempfile.TemporaryDirectory() as root:
            tree.generate_demo_tree(root, seed=99, num_ids=args.ids)
            found = survival(root)
        print(f"{amplitude:9.0f}  " + "  ".join(f"{found[q]:6.2f}" for q in QUALITIES))


if __name__ == "__main__":
    main()
