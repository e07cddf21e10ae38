"""Shards of a preparation: the plan (videos dealt to shards), writing one shard (temporary
name, then renamed, with a done marker in {out}/.state), the progress log and the manifest.

    {out}/{split}/{name}-00000-of-000NN.tfrecord      one tf.train.Example per face
    {out}/.state/{split}/{shard}.json                 done marker: the shard's summary
    {out}/.state/progress.log                         one line per finished video (local out)
"""

import collections
import json
import logging
import math
import os
import time
import uuid

from add_tf.data import schema
from pipelines.layouts import splits as splits_lib
from pipelines.preparation.video import process_video

log = logging.getLogger("pipelines.prepare")
STATE = ".state"
EXAMPLES_PER_SHARD = 512


def join(*parts):
    """Path of `parts` under the first (a folder or a remote URL): joined with '/'."""
    return "/".join([parts[0].rstrip("/")] + [p.strip("/") for p in parts[1:]])


def marker_path(out, spec):
    shard = schema.shard_name(spec["name"], spec["index"], spec["count"])
    return join(out, STATE, spec["split"], shard + ".json")


def record_path(out, spec):
    return join(out, spec["split"], schema.shard_name(spec["name"], spec["index"], spec["count"]))


def shard_done(out, spec):
    import tensorflow as tf

    return tf.io.gfile.exists(marker_path(out, spec)) and tf.io.gfile.exists(record_path(out, spec))


def is_local(out):
    return "://" not in out


def progress_log(out):
    return os.path.join(out, STATE, "progress.log")


def _note_progress(out, text):
    """One line per finished video in {out}/.state/progress.log (local outputs only)."""
    if is_local(out):
        with open(progress_log(out), "a") as f:
            f.write(text + "\n")


def videos_done(out, specs):
    """Videos finished so far: the lines of the progress log (local outputs; they count the
    videos of finished shards and those done since), else the videos of finished shards."""
    if is_local(out):
        if not os.path.exists(progress_log(out)):
            return 0
        with open(progress_log(out)) as f:
            return sum(1 for _ in f)
    return sum(len(spec["videos"]) for spec in specs if shard_done(out, spec))


def _write_videos(writer, spec, out, settings, detector, summary):
    """Every video of `spec` through process_video into `writer`; counts go to `summary`."""
    for video in spec["videos"]:
        start, made = time.time(), 0
        for kind, item in process_video(video, settings, detector):
            if kind == "example":
                writer.write(item)
                made += 1
            elif kind == "skip":
                summary["skipped"].append(item)
                log.warning("skipped %s: %s", item["item"], item["reason"])
            else:
                summary["mismatches"].append(item)
        summary["examples"] += made
        summary["videos"] += int(made > 0)
        _note_progress(out, f"{video['method']}/{video['video_id']}")
        log.debug("%s/%s (%s): %d faces in %.1fs", video["method"], video["video_id"],
                  spec["split"], made, time.time() - start)


def write_shard(spec, out, settings, detector):
    """Write one shard (temp name, then rename) and its done marker; returns the marker dict."""
    import tensorflow as tf

    if shard_done(out, spec):
        with tf.io.gfile.GFile(marker_path(out, spec)) as f:
            return json.load(f)
    final = record_path(out, spec)
    tf.io.gfile.makedirs(os.path.dirname(final))
    tf.io.gfile.makedirs(os.path.dirname(marker_path(out, spec)))
    tmp = f"{final}.tmp-{uuid.uuid4().hex[:8]}"
    summary = {"split": spec["split"], "name": spec["name"], "file": os.path.basename(final),
               "examples": 0, "videos": 0, "videos_total": len(spec["videos"]), "skipped": [],
               "mismatches": []}
    with tf.io.TFRecordWriter(tmp) as writer:
        _write_videos(writer, spec, out, settings, detector, summary)
    with tf.io.gfile.GFile(marker_path(out, spec) + ".tmp", "w") as f:
        json.dump(summary, f)
    tf.io.gfile.rename(marker_path(out, spec) + ".tmp", marker_path(out, spec), overwrite=True)
    tf.io.gfile.rename(tmp, final, overwrite=True)
    return summary


def plan_shards(videos_by_split, frames, examples_per_shard=EXAMPLES_PER_SHARD):
    """[spec]: per (split, name) the videos dealt round-robin into ceil(n*frames/E) shards, at
    least one and no more than the videos (no shard is planned empty)."""
    specs = []
    for (split, name), videos in sorted(videos_by_split.items()):
        videos = sorted(videos, key=lambda v: v["video_id"])
        count = min(len(videos), max(1, math.ceil(len(videos) * frames / examples_per_shard)))
        for index in range(count):
            specs.append({"split": split, "name": name, "index": index, "count": count,
                          "videos": videos[index::count]})
    return specs


def video_dict(video):
    """The plain dict of a layouts.Video that a shard spec carries."""
    return {"method": video.method, "video_id": video.video_id, "label": video.label,
            "paths": dict(video.paths)}


def remove_temporaries(out):
    import tensorflow as tf

    for split in splits_lib.SPLITS:
        for path in tf.io.gfile.glob(join(out, split, "*.tmp-*")):
            log.info("removing unfinished shard %s", path)
            tf.io.gfile.remove(path)


def build_manifest(out, specs, settings, found, skipped):
    import tensorflow as tf

    counts, shards, mismatches, skipped = {}, {}, [], list(skipped)
    for spec in specs:
        with tf.io.gfile.GFile(marker_path(out, spec)) as f:
            summary = json.load(f)
        entry = counts.setdefault(spec["split"], {}).setdefault(
            spec["name"],
            {"videos": 0, "examples": 0, "qualities": {q: 0 for q in settings["qualities"]}})
        entry["videos"] += summary["videos"]
        entry["examples"] += summary["examples"]
        for q in settings["qualities"]:
            entry["qualities"][q] += summary["examples"]
        shards.setdefault(spec["split"], {}).setdefault(spec["name"], []).append(summary["file"])
        skipped.extend(summary["skipped"])
        mismatches.extend(summary["mismatches"])
    totals = {split: sum(e["examples"] for e in per.values()) for split, per in counts.items()}
    n_frames = sum(1 for s in skipped if "#" in s["item"])
    return {
        "version": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "settings": settings,
        "found": found.found,
        "notes": found.problems,
        "counts": counts,
        "totals": totals,
        "shards": shards,
        "frame_count_mismatches": mismatches,
        "skipped_counts": {"frames": n_frames, "videos_or_files": len(skipped) - n_frames},
        "left_out": dict(collections.Counter(item["reason"] for item in found.skipped)),
        "skipped": skipped,
    }
