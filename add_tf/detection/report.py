"""The detect report's data: the model, its crop recipe, the settings, the status counts and one
entry per input (add_tf.detection.analysis). add_tf.detect writes it as JSON;
add_tf.reporting.detect_report renders it as HTML."""


def make_report(scorer, entries, frames, threshold, min_face_size, card, warnings, seconds):
    """The detect report: the model (a detection.scorer.Scorer) and the crop recipe its faces
    were cut by, the settings, the status counts and the `entries`."""
    counts = {}
    for e in entries:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    return {
        "model": scorer.source,
        "model_kind": scorer.kind,
        "image_size": scorer.image_size,
        "crop": scorer.recipe.to_dict(),
        "frames": frames,
        "threshold": threshold,
        "min_face_size": min_face_size,
        "model_card": card,
        "warnings": warnings,
        "seconds": round(seconds, 3),
        "counts": counts,
        "inputs": entries,
    }
