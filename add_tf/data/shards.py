"""The record shards of a split: which files originals + a method read (`list_record_files`),
which qualities they hold, the check before any work that they are there (`require_records`),
and the shards cut short or corrupted: tf.data's error names no file, `report_damaged_shards`
turns it into a `DamagedRecordsError` that names them and says how to rewrite them.

    {records_dir}/{split}/{name}-00000-of-00004.tfrecord     name: "original", "Deepfakes", ...
"""

import contextlib
import glob
import os

from add_tf.core.errors import UsageError
from add_tf.core.names import ORIGINAL
from add_tf.data import schema
from add_tf.data.manifest import manifest_qualities, read_manifest, record_set_names


def list_record_files(records_dir, method, split):
    """(sorted shard files of originals + `method` in `split`, the manifest or None when the
    records have none); errors name what exists."""
    records_dir = str(records_dir)
    if not os.path.isdir(records_dir):
        raise FileNotFoundError(
            f"Records directory {records_dir} does not exist. Prepare it with "
            f"`python -m pipelines.prepare` (demo: `python -m add_tf.demo`)."
        )
    split_dir = os.path.join(records_dir, split)
    if not os.path.isdir(split_dir):
        present = sorted(d for d in os.listdir(records_dir)
                         if os.path.isdir(os.path.join(records_dir, d)) and not d.startswith("."))
        raise FileNotFoundError(
            f"No split {split!r} in {records_dir}; splits present: {', '.join(present) or 'none'}"
        )
    manifest = None
    if os.path.isfile(os.path.join(records_dir, schema.MANIFEST)):
        manifest = read_manifest(records_dir)
    files = []
    for name in record_set_names(method, _record_sets(split_dir) or [ORIGINAL]):
        pattern = os.path.join(split_dir, schema.SHARD_GLOB.format(name=name))
        found = sorted(glob.glob(pattern))
        if not found:
            raise FileNotFoundError(
                f"No records match {pattern}. Record sets present in {split_dir}: "
                f"{', '.join(_record_sets(split_dir)) or 'none'}"
            )
        files.extend(found)
    return files, manifest


def _record_sets(split_dir):
    """Names of the record sets ("original", "Deepfakes", ...) with shards in `split_dir`."""
    return sorted({os.path.basename(p).split("-")[0]
                   for p in glob.glob(os.path.join(split_dir, "*.tfrecord"))})


def record_qualities(manifest, files):
    """The qualities of the records: the manifest's, or without one (None) those of the first
    record of `files`."""
    if manifest is not None:
        return manifest_qualities(manifest)
    import tensorflow as tf

    for record in tf.data.TFRecordDataset(files[:1]).take(1):
        return schema.example_qualities(record.numpy())
    return []


def require_records(records_dir, method, splits, qualities):
    """Check, before any work, that `splits` of the originals and `method` hold shards in
    `records_dir` with every quality of `qualities`; FileNotFoundError or UsageError naming what
    is missing and what is there."""
    for split in splits:
        files, manifest = list_record_files(records_dir, method, split)
        present = record_qualities(manifest, files)
        missing = [q for q in qualities if q not in present]
        if missing:
            raise UsageError(f"The records at {records_dir} hold no {', '.join(missing)} crops "
                             f"(qualities present: {', '.join(present) or 'none'}); prepare them "
                             "with python -m pipelines.prepare --qualities ...")


class DamagedRecordsError(UsageError):
    """Record shards that cannot be read to the end (cut short or corrupted). `damaged`: the
    `[(path, reason)]` of `find_damaged_shards`; the message names them and how to rewrite them."""

    def __init__(self, damaged):
        self.damaged = list(damaged)
        super().__init__(_damaged_message(self.damaged))


def find_damaged_shards(files):
    """`[(path, reason)]` of the shards among `files` that fail to read to the end with a
    `tf.errors.DataLossError` (a truncated or corrupted record), in the order given. Reads
    every record of every file."""
    import tensorflow as tf

    def count(total, _):
        return total + 1

    damaged = []
    for path in files:
        try:
            tf.data.TFRecordDataset(str(path)).reduce(tf.constant(0, tf.int64), count)
        except tf.errors.DataLossError as error:
            damaged.append((str(path), _short_reason(error.message)))
    return damaged


@contextlib.contextmanager
def report_damaged_shards(records_dir, method, splits):
    """Context manager for a command's dataset iteration: a `tf.errors.DataLossError` raised
    inside becomes a `DamagedRecordsError` naming the damaged shards among the record files of
    originals + `method` in `splits` (as `make_dataset` lists them) and how to rewrite them;
    it is re-raised unchanged when every one of them reads to the end (each is read in full,
    only after such an error).

        with report_damaged_shards(records_dir, "Deepfakes", ("train", "val")):
            model.fit(train_ds, validation_data=val_ds)
    """
    import tensorflow as tf

    try:
        yield
    except tf.errors.DataLossError as error:
        files = [f for split in splits for f in list_record_files(records_dir, method, split)[0]]
        damaged = find_damaged_shards(files)
        if not damaged:
            raise
        raise DamagedRecordsError(damaged) from error


def _short_reason(message):
    """TensorFlow's error text without its function-node prefix and op suffix."""
    reason = message.split("}}", 1)[-1].strip()
    return reason.split(" [Op:", 1)[0]


def _damaged_message(damaged):
    # {records_dir}/{split}/{shard}
    records_dirs = sorted({os.path.dirname(os.path.dirname(path)) for path, _ in damaged})
    lines = [f"{len(damaged)} damaged record shard(s), cut short or corrupted (e.g. by a full "
             "disk or an interrupted copy):"]
    lines += [f"  {path}: {reason}" for path, reason in damaged]
    lines += [
        "To rewrite them:",
        "  1. delete the file(s) above (a rerun keeps a shard whose file exists: its done marker "
        "in .state/ counts it as written);",
        "  2. rerun the `python -m pipelines.prepare` command that wrote "
        f"{' and '.join(records_dirs)}, with the same arguments. It writes only the missing "
        "shards, then manifest.json again: the other shards and the manifest need not be "
        "deleted (given other settings it stops before writing anything).",
        "  Demo records ({data_dir}/demo): instead of step 2, delete manifest.json too; the next "
        "command that uses the demo data reruns the preparation.",
    ]
    return "\n".join(lines)
