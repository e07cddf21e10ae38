"""Score images, videos and folders of them with a trained detector.

    python -m add_tf.detect PATH... --model (SAVED_MODEL_DIR | RUN_DIR) [--frames 32] [--json OUT]
                            [--report DIR]

For every input: find all faces above a minimum size, cut each one as the model's training
crops were (its crop recipe, recorded by pipelines.prepare and carried by the run, the model
card and the SavedModel: the detector, MTCNN or the whole frame, the square box's scale, the
crop size and the resize rule), and score it. A model that records no recipe (made before
recipes were kept) is cut by the defaults, with a warning; one whose recipe this add_tf cannot
reproduce (an unknown detector, a newer recipe version) is refused (exit 2).

- image: one entry per face (`box` [x0, y0, x1, y1] in original pixels, the `crop_box` cut,
  `confidence`, `fake_probability`); the image's score is the maximum over its faces.
- video: `--frames` frames sampled evenly; per frame the faces and the frame score (maximum over
  faces); per video the mean of the frame scores over frames with a face (a frame without a face
  adds nothing), and the fraction of those frames whose score is at or above `--threshold` (a
  score at or above it is fake). The video's label is that of its mean score (`VIDEO_RULE`, in
  `--help`).

Each input gets a `status`:

    ok         scored
    no_face    read fine, but no face above --min-face-size was found
    empty      zero-byte file, video without frames, or folder without images / videos
    unreadable file the decoders cannot open (e.g. a truncated image)
    corrupt    video whose decoding fails before any sampled frame
    truncated  video that ends before the sampled frames (the frames read are still scored)
    not_media  not an image or a video
    missing    path does not exist
    error      anything else (the message says what)

Exit codes: 0 = every input was read (statuses `ok` or `no_face`); 1 = at least one input
failed (any other status, including `truncated`; with `--strict` also `no_face`); 2 = bad
arguments, the model could not be loaded or the --json location is not writable.

The model's card (add_tf.training.model_card) is printed in one line when the model is loaded, and
kept in the report as `model_card` with its `warnings` (a model trained on the synthetic demo: its
scores on real faces are meaningless; a model without a card: nothing is known of it; a model
without a crop recipe), which are printed to stderr even with --quiet; the recipe the faces
were cut by is the report's `crop`.

Nothing is written except the `--json` file (written to a temporary file in the same folder and
renamed into place, so a reader never sees half a report) and, with `--report DIR`, the HTML
report of add_tf.reporting.detect_report in DIR (annotated images, per-video timelines and contact
sheets, index.html). The detection itself is add_tf.detection.
"""

import argparse
import os
import pathlib
import sys
import time

from add_tf.core import atomic, console, errors, table
from add_tf.core.progress import ProgressBar
from add_tf.core.threshold import THRESHOLD
from add_tf.detection import analysis, face_crops, report
from add_tf.detection.analysis import FRAMES
from add_tf.detection.face_crops import MAX_SIDE
from add_tf.media.faces import DETECT_MAX_SIDE, MIN_FACE_SIZE
from add_tf.reporting import detect_report
from add_tf.training import model_card

READ_STATUSES = ("ok", "no_face")  # anything else is a failed input
# how add_tf.detection.analysis.analyse_video turns per-frame faces into a video's score and label
VIDEO_RULE = (
    "A video frame's score is the highest score among its faces (every face found counts, the "
    "most fake-looking one decides); a frame without a face is left out. The video's score is "
    "the mean of the scores of its sampled frames with a face, and its label is fake when that "
    "mean is at or above --threshold; frames>=thr is the share of those frames at or above it, "
    "and a video with no face in any sampled frame gets no score (status no_face).")


# ----------------------------------------------------------------------------- console table
def _fmt(p):
    return "-" if p is None else f"{p:.3f}"


def _short(text, width=48):
    text = str(text)
    return text if len(text) <= width else "..." + text[-(width - 3):]


def format_table(entries):
    """One line per report entry: input, kind, status, faces / frames, p(fake), share of frames
    at or above the threshold, and the verdict (or the failure's message)."""
    rows = []
    for e in entries:
        if e.get("kind") == "video":
            faces = f"{e.get('frames_with_face', 0)}/{e.get('frames_read', 0)} frames"
        elif e.get("kind") == "image":
            faces = f"{len(e.get('faces', []))} faces"
        else:
            faces = "-"
        frac = e.get("fraction_fake_frames")
        rows.append((
            _short(e["path"]), e.get("kind", "-"), e["status"], faces,
            _fmt(e.get("fake_probability")), "-" if frac is None else f"{frac:.0%}",
            e.get("label", "-") if e["status"] == "ok" else e.get("message", "-"),
        ))
    columns = ("input", "kind", "status", "faces/frames", "p(fake)", "frames>=thr", "verdict")
    return table.format_table(rows, columns, ragged_last=True)


# ----------------------------------------------------------------------------- run
def run(paths, model, frames=FRAMES, json_path=None, threshold=THRESHOLD,
        min_face_size=MIN_FACE_SIZE, detect_max_side=DETECT_MAX_SIDE, max_side=MAX_SIDE,
        verbose=True, scorer=None, report_dir=None):
    """Score `paths`; returns the report dict (also written to `json_path` when given, and as
    an HTML report into `report_dir` when given)."""
    scorer = scorer or load_model(model)
    card, warnings = model_card.describe(scorer.source)
    warnings += scorer.warnings
    model_card.announce(card, warnings, verbose)
    cropper = face_crops.FaceCropper(scorer.recipe, min_face_size=min_face_size,
                                     detect_max_side=detect_max_side, max_side=max_side)
    items = analysis.expand_inputs(paths)
    total = analysis.units(items, frames)
    bar = ProgressBar(total, unit="items") if verbose and total > 1 else None
    start = time.perf_counter()
    entries = analysis.analyse_all(
        items, cropper, scorer, frames, threshold,
        progress=None if bar is None else lambda done: bar.update(min(done, total)))
    if bar is not None:
        bar.close()
    result = report.make_report(scorer, entries, frames, threshold, min_face_size, card,
                                warnings, seconds=time.perf_counter() - start)
    write_outputs(result, json_path, report_dir, verbose)
    return result


def load_model(model):
    """`add_tf.detection.scorer.load_scorer(model)`; a file or TensorFlow error while loading the
    user's model is an input error (a bug elsewhere keeps its traceback)."""
    from add_tf.detection.scorer import load_scorer

    try:
        return load_scorer(model)
    except (OSError, ValueError) as error:
        raise errors.UsageError(f"could not load the model {model}: {error}") from None
    except Exception as error:
        if not type(error).__module__.startswith(("tensorflow", "google.protobuf")):
            raise
        raise errors.UsageError(f"could not load the model {model}: {error}") from None


def write_outputs(report, json_path=None, report_dir=None, verbose=True):
    """The console table (when `verbose`), the JSON report and the HTML report (when asked)."""
    if verbose:
        print(format_table(report["inputs"]))
    if json_path:
        atomic.write_json(json_path, report)
    if report_dir:
        index = detect_report.write_report(report, report_dir)
        if verbose:
            print(f"report: {index}")


def exit_code(report, strict=False):
    good = {"ok"} if strict else set(READ_STATUSES)
    return 0 if all(e["status"] in good for e in report["inputs"]) else 1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m add_tf.detect",
        description="Find faces in images / videos / folders and score them as real or fake. "
                    + VIDEO_RULE,
        epilog="Exit codes: 0 every input read (ok or no_face); 1 some input failed (any "
               "other status: missing, unreadable, empty, not_media, corrupt, truncated, error; "
               "with --strict also no_face); 2 usage / model error.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="images, videos or folders")
    parser.add_argument("--model", required=True,
                        help="SavedModel dir (or its base path), run dir or .keras file")
    parser.add_argument("--frames", type=int, default=FRAMES, help="frames sampled per video")
    parser.add_argument("--json", default=None, help="write the full report here")
    parser.add_argument("--report", default=None, metavar="DIR",
                        help="write an HTML report (index.html, annotated images, video "
                             "timelines and contact sheets) into DIR")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help="a score at or above it is fake (default %(default)s)")
    parser.add_argument("--min-face-size", type=int, default=MIN_FACE_SIZE,
                        help="smallest face looked for, in pixels (MTCNN)")
    parser.add_argument("--detect-max-side", type=int, default=DETECT_MAX_SIDE,
                        help="images are downscaled to this longer side for face detection")
    parser.add_argument("--max-side", type=int, default=MAX_SIDE,
                        help="larger images / frames are downscaled to this first")
    parser.add_argument("--strict", action="store_true", help="no_face counts as a failure")
    parser.add_argument("--quiet", action="store_true", help="no table, no progress bar")
    errors.add_debug_argument(parser)
    args = parser.parse_args(argv)
    if args.frames < 1:
        parser.error(f"--frames must be >= 1. Received: {args.frames}")
    if args.json:
        parent = pathlib.Path(args.json).resolve().parent
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            parser.error(f"--json folder does not exist or is not writable: {parent}")
        if pathlib.Path(args.json).is_dir():
            parser.error(f"--json must be a file path, received a folder: {args.json}")
    if args.report and os.path.exists(args.report) and not os.path.isdir(args.report):
        parser.error(f"--report must be a folder. Received: report={args.report!r} (a file)")
    return args


@errors.command
def main(argv=None):
    console.quiet()
    args = parse_args(argv)
    if args.report:
        atomic.require_writable_dir(args.report, "--report")
    report = run(args.paths, args.model, frames=args.frames, json_path=args.json,
                 threshold=args.threshold, min_face_size=args.min_face_size,
                 detect_max_side=args.detect_max_side, max_side=args.max_side,
                 verbose=not args.quiet, report_dir=args.report)
    return exit_code(report, args.strict)


if __name__ == "__main__":
    sys.exit(main())
