"""tf.data input of prepared face records: ((teacher_image, student_image), label).

Both images of an element come from the same `tf.train.Example` (same face, same frame, same
box), so the pairing the distillation relies on can never be lost by shuffling. As Model
Garden's `official/vision/dataloaders` do, reading (`read_records`: list, shuffle, interleave),
decoding (`pair_decoder`: bytes -> tensors, with `schema.parse_example`) and parsing
(`flip_pairs`, `batch_pairs`: augment, float32, batch) are apart; `make_dataset` composes them.
Training mode: file-level shuffle, parallel interleave, example shuffle, the *same* random flip
for teacher and student (drawn per element from a seeded stream: the same seed flips the same
examples), batches of fixed size. Eval mode: deterministic
order, no augmentation, optional meta (method, video id) for video-level metrics, and optionally
the decoded examples kept in memory after the first pass (`cache`: a validation split read at
every validation is then decoded once, when it fits in `CACHE_BYTES`).

Throughput: shards are read, records decoded and batches assembled in parallel
(`num_parallel_calls=AUTOTUNE`), images stay uint8 until a batch is cast to float32 at once, and
`prefetch(AUTOTUNE)` overlaps the input with the step. tf.data's autotuner is off (see
`batch_pairs`): AUTOTUNE then means min(16, cores) parallel calls, tf.data's own default. Order
stays deterministic whenever a seed is given (a same-seed rerun reads the same batches); only
unseeded training lets tf.data deliver out of order. On a GPU host whose CPU cannot decode fast
enough, `tf.data` service (`ds.apply(tf.data.experimental.service.distribute(...))`) moves
decoding to CPU workers and `Dataset.snapshot` stores decoded examples on disk for the next
epochs; neither is used here.

A shard cut short or corrupted fails deep inside tf.data without naming the file;
`report_damaged_shards` turns that into a `DamagedRecordsError` that names it and says how to
rewrite it.
"""

import contextlib
import glob
import os

from add_tf.core import atomic
from add_tf.core.errors import UsageError
from add_tf.core.names import DATASETS, QUALITIES
from add_tf.data import schema

# Largest decoded split (bytes) `make_dataset(cache=True)` keeps in memory: the paper's
# validation split, 17,920 faces of 128 px, is 0.88 GB per quality.
CACHE_BYTES = 2 * 1024**3


def records_location(data_dir, dataset):
    """(records_dir, method_folder) for a dataset name of `add_tf.core.config.DATASETS`:
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


def prepared_image_size(data_dir, dataset):
    """The crop side of `dataset`'s prepared records under `data_dir`, None when they are not
    prepared (or their manifest records no size)."""
    records_dir, _ = records_location(data_dir, dataset)
    if not os.path.isfile(os.path.join(records_dir, schema.MANIFEST)):
        return None
    return manifest_image_size(read_manifest(records_dir))


def _method_name(method):
    return DATASETS.get(method, method)


def count_examples(records_dir, method, split):
    """Examples (faces) of originals + `method` in `split`, from the manifest."""
    return _count(read_manifest(records_dir), method, split, records_dir)


def decoded_bytes(manifest, method, split, qualities=1):
    """Bytes of the decoded uint8 images of originals + `method` in `split`: examples (manifest
    counts) x size^2 x 3 x `qualities` (images per example)."""
    size = int(manifest["settings"]["size"])
    return _count(manifest, method, split) * size * size * 3 * qualities


def _count(manifest, method, split, records_dir="the records"):
    counts = manifest.get("counts", {}).get(split)
    if counts is None:
        raise UsageError(
            f"Split {split!r} not in the manifest of {records_dir}; it has: "
            f"{', '.join(manifest.get('counts', {})) or 'none'}"
        )
    return int(sum(counts.get(name, {}).get("examples", 0) for name in _names(manifest, method)))


def _names(manifest, method):
    method = _method_name(method)
    if method in (None, "all"):
        return [schema.ORIGINAL] + list(manifest.get("settings", {}).get("methods", []))
    if method == schema.ORIGINAL:
        return [schema.ORIGINAL]
    return [schema.ORIGINAL, method]


def _qualities(manifest, files):
    if manifest is not None:
        return list(manifest.get("settings", {}).get("qualities", []))
    import tensorflow as tf

    for record in tf.data.TFRecordDataset(files[:1]).take(1):
        return schema.example_qualities(record.numpy())
    return []


def _record_sets(split_dir):
    """Names of the record sets ("original", "Deepfakes", ...) with shards in `split_dir`."""
    return sorted({os.path.basename(p).split("-")[0]
                   for p in glob.glob(os.path.join(split_dir, "*.tfrecord"))})


def list_record_files(records_dir, method, split):
    """Sorted shard files of originals + `method` in `split`; errors name what exists."""
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
    method = _method_name(method)
    if method in (None, "all"):
        names = _record_sets(split_dir) or [schema.ORIGINAL]
    elif method == schema.ORIGINAL:
        names = [schema.ORIGINAL]
    else:
        names = [schema.ORIGINAL, method]
    files = []
    for name in names:
        pattern = os.path.join(split_dir, schema.SHARD_GLOB.format(name=name))
        found = sorted(glob.glob(pattern))
        if not found:
            raise FileNotFoundError(
                f"No records match {pattern}. Record sets present in {split_dir}: "
                f"{', '.join(_record_sets(split_dir)) or 'none'}"
            )
        files.extend(found)
    return files, manifest


def require_records(records_dir, method, splits, qualities):
    """Check, before any work, that `splits` of the originals and `method` hold shards in
    `records_dir` with every quality of `qualities`; FileNotFoundError or UsageError naming what
    is missing and what is there."""
    for split in splits:
        files, manifest = list_record_files(records_dir, method, split)
        present = _qualities(manifest, files)
        missing = [q for q in qualities if q not in present]
        if missing:
            raise UsageError(f"The records at {records_dir} hold no {', '.join(missing)} crops "
                             f"(qualities present: {', '.join(present) or 'none'}); prepare them "
                             "with python -m pipelines.prepare --qualities ...")


def make_dataset(
    records_dir,
    method,
    split,
    student_quality,
    teacher_quality=None,
    batch_size=32,
    training=False,
    with_meta=False,
    seed=None,
    repeat=False,
    shuffle_buffer=2048,
    cache=False,
):
    """tf.data.Dataset of ((teacher, student), label) batches.

    records_dir: prepared records (see `records_location`); method: FF++ method folder
        ("Deepfakes", ..., "Demo"), a dataset name of config.DATASETS, "original" or "all";
        originals are always included.
    teacher_quality: None = best present (raw > c23 > c40).
    Images float32 (B, S, S, 3) in 0..255, label int32 (B,) with 1 = fake. with_meta adds a dict
    {"method": string (B,), "video_id": string (B,)} as a third element.
    cache: eval mode only; keep the decoded examples in memory after the first complete pass
        when `decoded_bytes` says they fit in `CACHE_BYTES` (else they are read again each pass).

    The stages, in this order: `read_records` (shards -> serialized examples), `pair_decoder`
    (bytes -> uint8 tensors), the optional cache, then the parser: `flip_pairs` (training) and
    `batch_pairs` (batch, float32, prefetch).
    """
    import tensorflow as tf

    if cache and training:
        raise ValueError("cache=True is for eval mode (a cache would freeze the training order "
                         f"and flips). Received: cache={cache!r}, training={training!r}")
    files, manifest = list_record_files(records_dir, method, split)
    teacher_quality = _check_qualities(records_dir, _qualities(manifest, files), student_quality,
                                       teacher_quality)
    size = (manifest or {}).get("settings", {}).get("size")
    wanted = sorted({teacher_quality, student_quality})
    deterministic = (not training) or seed is not None

    ds = read_records(files, training, seed, repeat, shuffle_buffer, deterministic)
    ds = ds.map(pair_decoder(wanted, size, teacher_quality, student_quality),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    if cache and manifest is not None and size and (
            decoded_bytes(manifest, method, split, len(wanted)) <= CACHE_BYTES):
        ds = ds.cache()
    if training:
        ds = flip_pairs(ds, seed, deterministic)
    return batch_pairs(ds, batch_size, training, with_meta, deterministic)


def _check_qualities(records_dir, qualities, student_quality, teacher_quality):
    """The teacher quality (None: the best of `qualities`, raw > c23 > c40), after checking that
    both qualities are among the `qualities` present in the records."""
    if student_quality not in qualities:
        raise UsageError(
            f"Student quality {student_quality!r} is not in the records at {records_dir}; "
            f"qualities present: {', '.join(qualities) or 'none'}"
        )
    if teacher_quality is None:
        return next(q for q in QUALITIES + tuple(qualities) if q in qualities)
    if teacher_quality not in qualities:
        raise UsageError(
            f"Teacher quality {teacher_quality!r} is not in the records at {records_dir}; "
            f"qualities present: {', '.join(qualities) or 'none'}"
        )
    return teacher_quality


def read_records(files, training, seed, repeat, shuffle_buffer, deterministic):
    """Serialized `tf.train.Example`s of the shards `files`: in training the file order and then
    the examples (in a `shuffle_buffer`) are shuffled with `seed`, anew each epoch; `repeat`
    loops forever. Shards are read 16 at a time, one record from each in turn."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(files)
    if training:
        ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.interleave(
        tf.data.TFRecordDataset,
        cycle_length=min(len(files), 16),
        block_length=1,
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic,
    )
    if training and shuffle_buffer:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return ds


def pair_decoder(wanted, size, teacher_quality, student_quality):
    """The decoder: serialized example -> (teacher, student, label, meta), images uint8
    (S, S, 3) of the two qualities (`wanted`: both, sorted), label int32 (1 = fake), meta
    {"method": string, "video_id": string}."""
    import tensorflow as tf

    def decode(serialized):
        features = schema.parse_example(serialized, wanted, size)
        teacher = features[schema.image_key(teacher_quality)]
        student = features[schema.image_key(student_quality)]
        label = tf.cast(features[schema.LABEL], tf.int32)
        meta = {"method": features[schema.METHOD], "video_id": features[schema.VIDEO_ID]}
        return teacher, student, label, meta

    return decode


def flip_pairs(ds, seed, deterministic):
    """The training augmentation of decoded elements: the same random left-right flip of teacher
    and student, one draw per element."""
    import tensorflow as tf

    def augment(element, draw):
        # One draw per example, applied to both images: the pair stays pixel-aligned.
        teacher, student, label, meta = element
        teacher, student = tf.cond(
            draw % 2 == 1,
            lambda: (tf.image.flip_left_right(teacher), tf.image.flip_left_right(student)),
            lambda: (teacher, student),
        )
        return teacher, student, label, meta

    # The draws come from their own seeded stream, zipped in element order (not from a stateful
    # op inside the parallel map, whose calls run in any order): a seed gives the same flips
    # every run, each epoch others; seed None, fresh ones.
    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    ds = tf.data.Dataset.zip(ds, draws)
    return ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)


def batch_pairs(ds, batch_size, training, with_meta, deterministic):
    """Batches of ((teacher, student), label[, meta]) with float32 images (0..255), prefetched;
    in training the last partial batch is dropped.

    tf.data's autotuner is off: dropping an iterator waits for the autotuner's model thread to
    end its current pause, which doubles after each of its rounds up to a minute. Keras drops
    the training iterator at the end of every fit (0-53 s measured at the end of a demo run,
    `python benchmarks/iterator_drop.py`) and the validation iterator after every validation
    (1-5 s in half of them), for the same steps per second without it."""
    import tensorflow as tf

    def to_float(teacher, student, label, meta):
        images = (tf.cast(teacher, tf.float32), tf.cast(student, tf.float32))
        return (images, label, meta) if with_meta else (images, label)

    autotune = tf.data.AUTOTUNE
    ds = ds.batch(batch_size, drop_remainder=training, num_parallel_calls=autotune,
                  deterministic=deterministic)
    ds = ds.map(to_float, num_parallel_calls=autotune, deterministic=deterministic)
    ds = ds.prefetch(autotune)
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


# --------------------------------------------------------------------------- damaged shards
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
