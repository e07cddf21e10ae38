"""Grad-CAM galleries like the paper's Figs. 6-7.

    python -m add_tf.gradcam --add-run runs/add-c40 [--baseline-run runs/none-c40] \\
        (--images a.png b.jpg ... | --records data/ffpp --method Deepfakes [--split test]) \\
        --out gradcam.png [--count 8] [--jpeg-quality 20] [--tensorboard LOGDIR]

One row per face; columns: the raw input, the compressed input (when it differs), then the
Grad-CAM heat map (on `--layer`, default "layer4") with the fake probability of

- the no-distillation baseline (`--baseline-run`, its student) on the compressed crop,
- the teacher (`teacher.keras` of the ADD run, or `--teacher`) on the raw crop,
- the ADD student (`student.keras` of the ADD run) on the compressed crop.

With `--records` the raw / compressed pairs come from prepared records (the qualities of the ADD
run's config unless `--comp` / `--teacher-comp` say otherwise; half real, half fake when
possible). With `--images` the images are face crops (or whole images with `--detect-faces`:
their largest face is cut as the runs' training crops were, by the crop recipe the runs record;
runs trained on faces cut differently are refused); the compressed input is the same image, or
a JPEG re-encoding with `--jpeg-quality Q`.

Grad-CAM (Selvaraju et al., 2017): weights = spatial mean of d(logit_c)/d(A), map =
ReLU(sum_k weights_k A_k), normalised to [0, 1] per image, bilinearly resized to the input size
(add_tf.reporting.gradcam).
"""

import argparse
import os
import pathlib
import sys

from add_tf.core import atomic, console, errors
from add_tf.core.config import Config
from add_tf.data import training_set
from add_tf.training.runs import TEACHER_MODEL, load_run, teacher_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m add_tf.gradcam",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--add-run", help="ADD run dir (student.keras, teacher.keras, config.yaml)")
    parser.add_argument("--baseline-run", help="no-distillation run dir (its student.keras)")
    parser.add_argument("--teacher", help="teacher .keras, an ADD run dir (its teacher.keras) or "
                        "the teacher's own run dir (default: the ADD run's)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--images", nargs="+", help="face crops (or images with --detect-faces)")
    source.add_argument("--records", help="prepared records directory (e.g. data/ffpp)")
    parser.add_argument("--method", default=None, help="records: the fake set shown beside the "
                        "reals (default: the ADD run's when they are its records, else all)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--comp", default=None, help="records: student quality (default: config)")
    parser.add_argument("--teacher-comp", default=None, help="records: teacher quality")
    parser.add_argument("--count", type=int, default=8, help="records: number of faces")
    parser.add_argument("--detect-faces", action="store_true",
                        help="images: cut the largest face as the runs' training crops were")
    parser.add_argument("--jpeg-quality", type=int, default=None,
                        help="images: the students see a JPEG re-encoding at this quality")
    parser.add_argument("--layer", default="layer4")
    parser.add_argument("--class-index", type=int, default=1, help="1 = fake (default), 0 = real")
    parser.add_argument("--out", default="gradcam.png")
    parser.add_argument("--tensorboard", default=None, help="also log the gallery to this logdir")
    errors.add_debug_argument(parser)
    args = parser.parse_args(argv)
    if not (args.add_run or args.baseline_run or args.teacher):
        parser.error("give at least one of --add-run, --baseline-run, --teacher")
    return args


def face_cropper(args, size):
    """The FaceCropper of --detect-faces: the crop recipe the given runs record (one recipe;
    the defaults at `size` px with a warning on stderr when none records one)."""
    from add_tf.detection import face_crops, model_recipe

    runs = {f"{flag} {path}": path for flag, path in (
        ("--add-run", args.add_run), ("--baseline-run", args.baseline_run),
        ("--teacher", args.teacher)) if path}
    recipe, warnings = model_recipe.for_models(runs, size)
    for line in warnings:
        print(line, file=sys.stderr, flush=True)
    return face_crops.FaceCropper(recipe)


def shown_sets(config, records):
    """The record sets a --records gallery shows without --method: those the ADD run (its
    config dict, {} without one) was trained on when `records` are its records, else all."""
    if config:
        trained = training_set.of(Config.from_dict(config))
        if os.path.abspath(trained.records_dir) == os.path.abspath(records):
            return trained.sets
    return "all"


@errors.command
def main(argv=None):
    console.quiet()
    args = parse_args(argv)
    atomic.require_writable_dir(os.path.dirname(args.out) or ".", "--out")
    from add_tf.reporting import gradcam as gallery_lib  # TensorFlow: not needed for --help

    models, config = [], {}
    if args.baseline_run:
        models.append(("baseline", load_run(args.baseline_run)[0], "compressed"))
    teacher_path = args.teacher
    run_teacher = pathlib.Path(args.add_run) / TEACHER_MODEL if args.add_run else None
    if teacher_path is None and run_teacher is not None and run_teacher.is_file():
        teacher_path = run_teacher
    if teacher_path:
        models.append(("teacher", load_run(teacher_file(str(teacher_path)))[0], "raw"))
    if args.add_run:
        student, config = load_run(args.add_run)
        models.append(("ADD", student, "compressed"))
    if not models:
        raise errors.UsageError(f"no model found: --teacher {args.teacher} and the teacher of "
                                f"--add-run {args.add_run} do not exist")
    size = max(int(m.input_shape[1]) for _, m, _ in models)
    labels = None
    if args.images:
        cropper = face_cropper(args, size) if args.detect_faces else None
        raw, compressed = gallery_lib.load_images(
            args.images, cropper.recipe.size if cropper else size, cropper, args.jpeg_quality)
    else:
        data = config.get("data", {})
        raw, compressed, labels = gallery_lib.load_records(
            args.records, args.method or shown_sets(config, args.records), args.split,
            args.comp or data.get("comp", "c40"), args.teacher_comp or data.get("teacher_comp"),
            args.count)
    gallery, results = gallery_lib.make_gallery(raw, compressed, models, args.layer, labels,
                                                args.class_index)
    path = gallery_lib.write_png(args.out, gallery)
    if args.tensorboard:
        gallery_lib.log_tensorboard(args.tensorboard, gallery)
    print(f"Wrote {path} ({gallery.shape[1]}x{gallery.shape[0]}, {len(raw)} faces, "
          f"models: {', '.join(name for name, _, _ in models)})")
    for name, (_, probs) in results.items():
        print(f"  {name:9s} p(fake): " + " ".join(f"{p:.2f}" for p in probs))
    return path


if __name__ == "__main__":
    main()
