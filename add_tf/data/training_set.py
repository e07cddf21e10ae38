"""Which records a run reads, by which name it is known, which of their record sets and which
qualities: the one place that answers these for training, evaluation and model cards.

A run names its records in one of two ways (`add_tf.core.config.DataConfig`):
- `data.dataset`, a name of `add_tf.core.names.DATASETS`: records in a folder of
  `data.data_dir` (`demo/` for the demo, `ffpp/` for FaceForensics++), read as the reals plus
  the fake sets the name stands for (`deepfakes`: Deepfakes; `ffpp`: every manipulation there);
- `data.records`, the folder of records of any layout `pipelines.prepare` writes (FF++,
  Celeb-DF v2, DFDC, folders): the reals plus every fake set its manifest lists, or those of
  `data.fakes`. `data.dataset` then holds the set's name from its manifest (`complete`), which
  names its run dirs, auto teachers, model cards and table rows.
The teacher's quality, unless given, is the best quality the records hold (`complete`).

    {records_dir}/manifest.json
    {records_dir}/{split}/{record set}-00000-of-00004.tfrecord    record set: "original" (the
                                                                  reals), "Deepfakes", "DFDC"...
"""

from __future__ import annotations

import dataclasses
import os

from add_tf.core.config import MIN_IMAGE_SIZE
from add_tf.core.errors import UsageError
from add_tf.core.names import DATASETS, ORIGINAL, QUALITIES, best_quality
from add_tf.data import schema
from add_tf.data.manifest import manifest_image_size, manifest_qualities, read_manifest


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """records_dir: the folder; name: the set's name; fakes: the fake record sets read (None:
    every one the records hold)."""

    records_dir: str
    name: str
    fakes: tuple | None
    chosen: bool = False  # the fakes are `data.fakes`, not the dataset's own

    @property
    def label(self):
        """The set's name in run dirs and tables: its name, and the fake sets read when they
        are a choice of the user (`ffpp-Deepfakes+Face2Face`)."""
        return self.name + (f"-{'+'.join(self.fakes)}" if self.chosen else "")

    def reads_as(self, other):
        """Whether `other` reads the same records: the same folder however spelt, the same
        set name and fake sets."""
        def spelt_alike(training_set):
            return dataclasses.replace(training_set,
                                       records_dir=os.path.abspath(training_set.records_dir))
        return spelt_alike(self) == spelt_alike(other)

    @property
    def sets(self):
        """The record sets as the data functions take them: "all", or the fake sets (the reals
        are always read)."""
        return "all" if self.fakes is None else tuple(self.fakes)


def of(config):
    """The TrainingSet `config` names (no file is read)."""
    data = config.data
    chosen = data.fakes is not None
    if data.records:
        return TrainingSet(os.path.normpath(data.records), data.dataset, data.fakes, chosen)
    folder, fakes = DATASETS[data.dataset]
    return TrainingSet(os.path.join(str(data.data_dir), folder), data.dataset,
                       data.fakes or fakes, chosen)


def set_name(records_dir, manifest):
    """The set's name given by pipelines.prepare (its `--name`), else the records folder's."""
    return manifest.get("settings", {}).get("set") or os.path.basename(
        os.path.normpath(str(records_dir)))


def held_fakes(manifest):
    """The fake record sets a manifest lists."""
    return [name for name in manifest.get("settings", {}).get("methods", [])
            if name != ORIGINAL]


def load(records_dir):
    """The manifest of the records at `records_dir`; UsageError naming the folder, what it
    holds and the command that prepares records, when it is missing or damaged."""
    try:
        return read_manifest(records_dir)
    except FileNotFoundError as error:
        raise UsageError(str(error.args[0] if error.args else error)) from None


def complete(config):
    """Fill in what the records decide, in place: with `data.records`, `data.dataset` becomes
    the set's name from its manifest; a `data.teacher_comp` of None becomes the best quality the
    records hold (raw for records not prepared yet, e.g. the demo's before its first run).
    `data.records` becomes an absolute path, so that one folder is one request however it is
    spelt (relative, with a trailing slash) and a run's config names it from any working
    directory. Returns `config`."""
    data = config.data
    manifest = None
    if data.records:
        if "://" not in data.records:  # a local path (not a URL of tf.io.gfile)
            data.records = os.path.abspath(data.records)
        try:
            manifest = load(data.records)
        except UsageError as error:
            raise UsageError(f"data.records {data.records}: {error}") from None
        data.dataset = set_name(data.records, manifest)
    if data.teacher_comp is None:
        manifest = manifest if data.records else manifest_or_none(config)
        qualities = manifest_qualities(manifest) if manifest else ()
        data.teacher_comp = best_quality(qualities) if qualities else QUALITIES[0]
    return config


def manifest_or_none(config):
    """The manifest of `config`'s records, None when they are not prepared."""
    records_dir = of(config).records_dir
    if not os.path.isfile(os.path.join(records_dir, schema.MANIFEST)):
        return None
    return read_manifest(records_dir)


def prepared_image_size(config):
    """The crop side of `config`'s prepared records, None when they are not prepared (or their
    manifest records no size)."""
    manifest = manifest_or_none(config)
    return manifest_image_size(manifest) if manifest else None


def balances(config, manifest):
    """Whether training batches balance the classes (`data.balance`; "auto": when the run reads
    several fake sets, e.g. FF++ as a whole, whose reals are 1 in 5 faces)."""
    if config.data.balance != "auto":
        return config.data.balance == "classes"
    return len(of(config).fakes or held_fakes(manifest)) > 1


def require(config):
    """(TrainingSet, manifest) of `config`'s prepared records; UsageError naming the missing
    manifest and the command that prepares them."""
    training_set = of(config)
    if config.data.records:
        return training_set, load(training_set.records_dir)
    manifest_path = os.path.join(training_set.records_dir, schema.MANIFEST)
    if not os.path.exists(manifest_path):
        methods = " ".join(training_set.fakes or ())
        raise UsageError(
            f"No prepared data for dataset {config.data.dataset!r}: expected {manifest_path} "
            f"(data dir {config.data.data_dir!r}). Prepare it first with:\n  python -m "
            f"pipelines.prepare --ffpp-root /path/to/FaceForensics++ --out "
            f"{training_set.records_dir}" + (f" --methods {methods}" if methods else ""))
    return training_set, read_manifest(training_set.records_dir)


def check(config, with_teacher):
    """Before any work: UsageError, naming the folder or value and the way out, when the
    records cannot train `config`: crops smaller than MIN_IMAGE_SIZE, a fake set they do not
    hold, a training split without reals or without fakes, a method that distils
    (`with_teacher`) on records of one quality only.
    Returns (TrainingSet, manifest)."""
    training_set, manifest = require(config)
    size = manifest_image_size(manifest)
    if size and size < MIN_IMAGE_SIZE:
        raise UsageError(
            f"The records at {training_set.records_dir} hold {size}-pixel crops; the models take "
            f"at least {MIN_IMAGE_SIZE}: prepare them again with --size {MIN_IMAGE_SIZE} or more "
            "(python -m pipelines.prepare ... --overwrite)")
    held = held_fakes(manifest)
    unknown = [name for name in training_set.fakes or () if name not in held]
    if unknown:
        raise UsageError(
            f"The records at {training_set.records_dir} hold no fake set {unknown[0]!r}; they "
            f"hold: {', '.join(held) or 'none'}. Received: data.fakes={list(training_set.fakes)}")
    counts = manifest.get("counts", {}).get("train", {})
    reals = counts.get(ORIGINAL, {}).get("examples", 0)
    fakes = sum(counts.get(name, {}).get("examples", 0) for name in training_set.fakes or held)
    if not reals or not fakes:
        missing = "reals" if not reals else "fakes"
        raise UsageError(
            f"The train split of {training_set.records_dir} holds no {missing} ({reals} real "
            f"and {fakes} fake faces): a detector needs both; prepare records with both classes "
            "in their train split")
    qualities = manifest_qualities(manifest)
    if with_teacher and len(qualities) < 2:
        settings = manifest.get("settings", {})
        layout, root = settings.get("layout", "ffpp"), settings.get("root", "ROOT")
        source = f"--ffpp-root {root}" if layout == "ffpp" else f"--layout {layout} --root {root}"
        raise UsageError(
            f"The records at {training_set.records_dir} hold one quality ({', '.join(qualities)})"
            "; ADD and the other distillation methods need two (the teacher's and the "
            f"student's): make c40 with python -m pipelines.compress {source} --to c40, then "
            f"prepare again with python -m pipelines.prepare {source} --out "
            f"{training_set.records_dir} --overwrite; or train without a teacher (--method none)")
    return training_set, manifest
