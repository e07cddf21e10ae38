"""Where a data dir keeps a dataset's prepared records, and what their manifest says: the crop
size, the demo generator's draw, the record sets a method reads, the examples per split.

    {data_dir}/demo/ or {data_dir}/ffpp/      records_dir of `records_location`
        manifest.json                         written by `pipelines.prepare` after the shards
        {split}/{name}-00000-of-00004.tfrecord
"""

import os

from add_tf.core import atomic
from add_tf.core.errors import UsageError
from add_tf.core.names import DATASETS
from add_tf.data import schema


def records_location(data_dir, dataset):
    """(records_dir, method_folder) for a dataset name of `add_tf.core.names.DATASETS`:
    demo records live at {data_dir}/demo, FaceForensics++ records at {data_dir}/ffpp."""
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}. Valid: {', '.join(DATASETS)}")
    sub = "demo" if dataset == "demo" else "ffpp"
    return os.path.join(str(data_dir), sub), DATASETS[dataset]


def require_prepared(data_dir, dataset):
    """(records_dir, method folder, manifest) of `dataset`'s prepared records under `data_dir`;
    UsageError naming the missing manifest and the command that prepares them."""
    records_dir, method_folder = records_location(data_dir, dataset)
    manifest_path = os.path.join(records_dir, schema.MANIFEST)
    if not os.path.exists(manifest_path):
        raise UsageError(
            f"No prepared data for dataset {dataset!r}: expected {manifest_path} (data dir "
            f"{data_dir!r}). Prepare it first with:\n  python -m pipelines.prepare --ffpp-root "
            f"/path/to/FaceForensics++ --out {records_dir} --methods {DATASETS[dataset]}")
    return records_dir, method_folder, read_manifest(records_dir)


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


def prepared_image_size(data_dir, dataset):
    """The crop side of `dataset`'s prepared records under `data_dir`, None when they are not
    prepared (or their manifest records no size)."""
    records_dir, _ = records_location(data_dir, dataset)
    if not os.path.isfile(os.path.join(records_dir, schema.MANIFEST)):
        return None
    return manifest_image_size(read_manifest(records_dir))


def record_set_names(method, every):
    """The record sets ("original", "Deepfakes", ...) of originals + `method`, a method folder
    or a dataset name of `add_tf.core.names.DATASETS`; "original" alone for "original", `every`
    (all the sets there are) for "all" or None."""
    method = DATASETS.get(method, method)
    if method in (None, "all"):
        return list(every)
    if method == schema.ORIGINAL:
        return [schema.ORIGINAL]
    return [schema.ORIGINAL, method]


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
    every = [schema.ORIGINAL] + list(manifest.get("settings", {}).get("methods", []))
    return int(sum(counts.get(name, {}).get("examples", 0)
                   for name in record_set_names(method, every)))
