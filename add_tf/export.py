"""Export a trained student as a TF Serving SavedModel.

    python -m add_tf.export --run runs/add-c40 --out saved_models/add_c40 [--version N]

writes `saved_models/add_c40/<version>/` (the next free integer by default) with the signatures
`serving_default` (uint8 face crops) and `serving_bytes` (encoded images), the run's config,
the crop recipe of its training crops and its model card in `assets.extra/`:
add_tf.serving.export describes the layout.
"""

import argparse
import pathlib

from add_tf.core import atomic, console, errors
from add_tf.training import model_card, runs


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m add_tf.export",
        description="Export a run's student as a TF Serving SavedModel (OUT/<version>/).",
    )
    parser.add_argument("--run", required=True,
                        help="run directory (with student.keras, config.yaml) or a .keras file")
    parser.add_argument("--out", required=True, help="model base path, e.g. saved_models/add_c40")
    parser.add_argument("--version", type=int, default=None,
                        help="version number (default: next free integer)")
    parser.add_argument("--model", default="student", choices=("student", "teacher"),
                        help="which model of the run to export (default: student)")
    errors.add_debug_argument(parser)
    return parser.parse_args(argv)


@errors.command
def main(argv=None):
    console.quiet()
    args = parse_args(argv)
    atomic.require_writable_dir(args.out, "--out")
    if args.version is not None and (pathlib.Path(args.out) / str(args.version)).exists():
        raise errors.UsageError(f"{pathlib.Path(args.out) / str(args.version)} already exists; "
                                "choose another --version or omit it")
    from add_tf.serving import export  # TensorFlow: not needed for --help

    model, config = runs.load_run(args.run, f"{args.model}.keras")
    size = export.model_image_size(model, config, args.run)
    card, warnings = model_card.describe(args.run)
    crop = (card or {}).get("crop")  # the teacher's records are the student's
    if args.model != "student":
        card, warnings = None, [model_card.NO_CARD_WARNING]
    target = export.export_model(
        model, args.out, args.version, size,
        metadata={"run": str(pathlib.Path(args.run).resolve()), "model": args.model,
                  "config": config},
        card=card, crop=crop,
    )
    print(f"Exported {args.model} of {args.run} (input {size}x{size}) to {target}")
    print(f"  signatures: {export.SIGNATURE_IMAGES} (uint8 images), {export.SIGNATURE_BYTES} "
          "(encoded bytes)")
    model_card.announce(card, warnings)
    return target


if __name__ == "__main__":
    main()
