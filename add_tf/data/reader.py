"""tf.data input of prepared face records: batches of ((teacher_image, student_image), label).

Both images of an element come from the same `tf.train.Example` (same face, same frame, same
box), so the pairing the distillation relies on can never be lost by shuffling. As Model
Garden's `official/vision/dataloaders` do, reading (`read_records`: shards -> serialized
examples), decoding (`pair_decoder`: bytes -> tensors, with `schema.parse_example`) and parsing
(`flip_pairs`, `batch_pairs`: augment, float32, batch) are apart; `make_dataset` composes them
on the shards `add_tf.data.shards` lists.
Training mode: file-level shuffle, parallel interleave, example shuffle, the *same* random flip
for teacher and student (drawn per element from a seeded stream: the same seed flips the same
examples), batches of fixed size. Eval mode: deterministic order, no augmentation, optional meta
(method, video id) for video-level metrics, and optionally the decoded examples kept in memory
after the first pass (`cache`: a validation split read at every validation is then decoded
once, when it fits in `CACHE_BYTES`).

Throughput: shards are read, records decoded and batches assembled in parallel
(`num_parallel_calls=AUTOTUNE`), images stay uint8 until a batch is cast to float32 at once, and
`prefetch(AUTOTUNE)` overlaps the input with the step. tf.data's autotuner is off (see
`batch_pairs`): AUTOTUNE then means min(16, cores) parallel calls, tf.data's own default. Order
stays deterministic whenever a seed is given (a same-seed rerun reads the same batches); only
unseeded training lets tf.data deliver out of order.
"""

import os

from add_tf.core.errors import UsageError
from add_tf.core.names import ORIGINAL, best_quality
from add_tf.data import schema
from add_tf.data.manifest import decoded_bytes, manifest_image_size
from add_tf.data.shards import list_record_files, record_qualities

# Largest decoded split (bytes) `make_dataset(cache=True)` keeps in memory: the paper's
# validation split, 17,920 faces of 128 px, is 0.88 GB per quality.
CACHE_BYTES = 2 * 1024**3


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
    balance=False,
):
    """tf.data.Dataset of ((teacher, student), label) batches.

    records_dir: prepared records (add_tf.data.training_set); method: the fake record sets read
        beside the reals: one name ("Deepfakes", "Demo", ...), a tuple of names, "original"
        (the reals alone) or "all".
    teacher_quality: None = best present (raw > c23 > c40).
    Images float32 (B, S, S, 3) in 0..255, label int32 (B,) with 1 = fake. with_meta adds a dict
    {"method": string (B,), "video_id": string (B,)} as a third element.
    cache: eval mode only; keep the decoded examples in memory after the first complete pass
        when `decoded_bytes` says they fit in `CACHE_BYTES` (else they are read again each pass).
    balance: training mode only; draw each element from the reals with probability 1/2 and
        from each of the n fake sets with 1/(2n) (`balanced_records`), instead of reading every
        record in turn (the classes then come in the records' proportions).

    The stages, in this order: `read_records` (shards -> serialized examples), `pair_decoder`
    (bytes -> uint8 tensors), the optional cache, then the parser: `flip_pairs` (training) and
    `batch_pairs` (batch, float32, prefetch).
    """
    import tensorflow as tf

    if cache and training:
        raise ValueError("cache=True is for eval mode (a cache would freeze the training order "
                         f"and flips). Received: cache={cache!r}, training={training!r}")
    if balance and not (training and repeat):
        raise ValueError("balance=True is for repeated training input. Received: "
                         f"balance={balance!r}, training={training!r}, repeat={repeat!r}")
    files, manifest = list_record_files(records_dir, method, split)
    teacher_quality = _check_qualities(records_dir, record_qualities(manifest, files),
                                       student_quality, teacher_quality)
    size = manifest_image_size(manifest) if manifest is not None else None
    wanted = sorted({teacher_quality, student_quality})
    deterministic = (not training) or seed is not None

    if balance:
        ds = balanced_records(files, seed, shuffle_buffer, deterministic)
    else:
        ds = read_records(files, training, seed, repeat, shuffle_buffer, deterministic)
    ds = ds.map(pair_decoder(wanted, size, teacher_quality, student_quality),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    if cache and size and decoded_bytes(manifest, method, split, len(wanted)) <= CACHE_BYTES:
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
        return best_quality(qualities)
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


def balanced_records(files, seed, shuffle_buffer, deterministic):
    """Serialized training examples drawn at random, with `seed`: from the reals' shards with
    probability 1/2, from each of the n fake sets' shards with 1/(2n); each record set is read
    as `read_records` reads the whole (shuffled, repeated), with an equal part of the shuffle
    buffer."""
    import tensorflow as tf

    by_set = {}
    for path in files:
        by_set.setdefault(os.path.basename(path).split("-")[0], []).append(path)
    fakes = sorted(name for name in by_set if name != ORIGINAL)
    if ORIGINAL not in by_set or not fakes:
        raise UsageError(f"balance needs reals and fakes; the shards hold {', '.join(by_set)}")
    buffer = max(1, shuffle_buffer // len(by_set))
    names = [ORIGINAL, *fakes]
    parts = [read_records(by_set[name], True, None if seed is None else seed + i, True, buffer,
                          deterministic) for i, name in enumerate(names)]
    weights = [0.5] + [0.5 / len(fakes)] * len(fakes)
    return tf.data.Dataset.sample_from_datasets(parts, weights, seed=seed)


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
    end its current pause, which doubles after each of its rounds up to a minute, and Keras
    drops the training iterator at the end of every fit and the validation iterator after every
    validation (`benchmarks/iterator_drop.py` measures the wait). Without the autotuner the
    steps per second are the same."""
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
