"""What `add_tf.evaluation.evaluator.evaluate_records` scores on records of any layout made by
pipelines.prepare, decided before any scoring: the quality, the splits, the metrics.json key,
and the checks that the model can read the records (crop size, the crop recipe: faces cut as
the run's training faces were)."""

from __future__ import annotations

import dataclasses

from add_tf.core.errors import UsageError
from add_tf.core.names import best_quality, metrics_key
from add_tf.data import count_examples, read_manifest, training_set
from add_tf.media.crop_recipe import CropRecipe
from add_tf.training import model_card, runs

SPLITS = ("test", "all")  # --split: the test split, or every split


@dataclasses.dataclass
class Scored:
    """Records resolved for scoring: their set `name`, `quality`, metrics.json `key`, the
    `splits` read, the `faces` per split of their manifest, and `notes` for the user."""

    name: str
    quality: str
    key: str
    splits: list
    faces: dict
    notes: list


def choose_quality(trained, qualities, comp=None):
    """(quality, note): `comp` when given (it must be in `qualities`), else `trained` when the
    records hold it, else the best they hold; the note says which and why."""
    if comp:
        if comp not in qualities:
            raise UsageError(f"--comp {comp} is not in the records; they hold: "
                             f"{', '.join(qualities)}. Received: comp={comp!r}")
        return comp, f"quality {comp} (--comp)"
    if trained in qualities:
        return trained, f"quality {trained}, the one the student was trained on"
    best = best_quality(qualities)
    return best, (f"quality {best}, the best the records hold (the student was trained on "
                  f"{trained}, which they do not hold)")


def check_crops(run_dir, config, records_dir, settings):
    """UsageError when the records' faces are not cut as the run's training faces were (their
    size, or the crop recipe's detector, box scale and resize rule); records or a run that
    record no recipe are not compared."""
    size = settings.get("size")
    if size and size != config.model.image_size:
        raise UsageError(
            f"The records at {records_dir} hold {size}-pixel crops; the model takes "
            f"{config.model.image_size}. Prepare them with `python -m pipelines.prepare ... "
            f"--size {config.model.image_size}`.")
    trained = CropRecipe.from_dict(model_card.run_crop(run_dir, config), f"the run {run_dir}")
    scored = CropRecipe.from_dict(settings, f"the records at {records_dir}")
    if trained and scored and not trained.cuts_like(scored):
        raise UsageError(
            f"The records at {records_dir} hold {scored.describe()}; the run was trained on "
            f"{trained.describe()}. Prepare them with `python -m pipelines.prepare ... "
            f"--detector {trained.detector} --box-scale {trained.box_scale:g}`.")


def resolve(run_dir, records_dir, comp=None, split="test", checkpoint=None, config=None):
    """The `Scored` of the run's model (`checkpoint`, see add_tf.evaluation.checkpoints) on the
    records at `records_dir`; UsageError when they cannot be scored. `config`: the run's, when
    the caller has read it."""
    if split not in SPLITS:
        raise UsageError(f"--split must be one of {', '.join(SPLITS)}. Received: split={split!r}")
    config = config or runs.read_config(run_dir)
    try:
        manifest = read_manifest(records_dir)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    settings = manifest.get("settings", {})
    check_crops(run_dir, config, records_dir, settings)
    quality, quality_note = choose_quality(config.data.comp, settings.get("qualities", []), comp)
    faces = {s: count_examples(records_dir, "all", s) for s in manifest.get("counts", {})}
    splits = sorted(s for s, n in faces.items() if n) if split == "all" else ["test"]
    if not splits or not all(faces.get(s) for s in splits):
        counts = ", ".join(f"{s} {n}" for s, n in sorted(faces.items())) or "none"
        raise UsageError(f"No faces in the {split} split of {records_dir} (faces per split: "
                         f"{counts}); score every split with --split all")
    name = training_set.set_name(records_dir, manifest)
    return Scored(name, quality, metrics_key(name, quality, split, checkpoint), splits,
                  faces, [f"{name} ({', '.join(splits)}): {quality_note}"])
