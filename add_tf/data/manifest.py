"""What a records folder's manifest says: the crop size, the qualities, the demo generator's
draw, the record sets a selection reads, the examples per split. Which folder a run reads is
add_tf.data.training_set's.

    {records_dir}/manifest.json                  written by `pipelines.prepare` after the shards
    {records_dir}/{split}/{name}-00000-of-00004.tfrecord
"""

import os

from add_tf.core import atomic
from add_tf.core.errors import UsageError
from add_tf.core.names import ORIGINAL
from add_tf.data import schema


def read_manifest(records_dir):
    """The manifest written by `pipelines.prepare` (counts, settings, skipped items)."""
    path = os.path.join(str(records_dir), schema.MANIFEST)
    if not os.path.isfile(path):
        hint = ""
        if os.path.isdir(str(records_dir)):
            held = ", ".join(sorted(os.listdir(records_dir))) or "nothing"
            hint = f" (the directory holds: {held})"
        raise FileNotFoundError(
            f"No {schema.MANIFEST} in {records_dir}{hint}. Prepare records first with "
            f"`python -m pipelines.prepare --layout {{ffpp,celebdf,dfdc,folders}} --root DIR "
            f"--out {records_dir}` "
            f"(demo: `python -m add_tf.demo`)."
        )
    return atomic.read_json(
        path, remedy="prepare the records again (python -m pipelines.prepare ... --overwrite)")


def manifest_image_size(manifest):
    """The side of the prepared crops a manifest records, None when it records none."""
    settings = manifest.get("settings", {})
    size = settings.get("size", manifest.get("size"))
    return int(size) if size else None


def manifest_generator(manifest):
    """What the demo generator made the records from ({seed, ids, frames, size, kinds}, its
    DEMO.json), None for records of other sets or prepared before the manifest recorded it."""
    return manifest.get("settings", {}).get("generator")


def manifest_qualities(manifest):
    """The qualities ("raw", "c23", "c40") whose crops every record holds."""
    return list(manifest.get("settings", {}).get("qualities", []))


def record_set_names(method, every):
    """The record sets ("original", "Deepfakes", ...) of originals + `method`: one fake set's
    name, or a tuple of them (add_tf.data.training_set.TrainingSet.sets); "original" alone for
    "original", `every` (all the sets there are) for "all" or None."""
    if method in (None, "all"):
        return list(every)
    if method == ORIGINAL:
        return [ORIGINAL]
    if isinstance(method, (tuple, list)):
        return [ORIGINAL, *method]
    return [ORIGINAL, method]


def count_examples(records_dir, method, split):
    """Examples (faces) of originals + `method` in `split`, from the manifest."""
    return _count(read_manifest(records_dir), method, split, records_dir)


def decoded_bytes(manifest, method, split, qualities=1):
    """Bytes of the decoded uint8 images of originals + `method` in `split`: examples (manifest
    counts) x size^2 x 3 x `qualities` (images per example)."""
    size = manifest_image_size(manifest)
    return _count(manifest, method, split) * size * size * 3 * qualities


def _count(manifest, method, split, records_dir="the records"):
    counts = manifest.get("counts", {}).get(split)
    if counts is None:
        raise UsageError(
            f"Split {split!r} not in the manifest of {records_dir}; it has: "
            f"{', '.join(manifest.get('counts', {})) or 'none'}"
        )
    every = [ORIGINAL] + list(manifest.get("settings", {}).get("methods", []))
    return int(sum(counts.get(name, {}).get("examples", 0)
                   for name in record_set_names(method, every)))
