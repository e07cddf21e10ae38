"""A static HTML report of add_tf.detect's results (`python -m add_tf.detect ... --report DIR`).

    DIR/index.html               the model card's summary and warnings, a table of the inputs
                                 and one section per input (a static page, no script, no server)
    DIR/NNN-STEM.jpg             an image with its face boxes and p(fake) per face
    DIR/NNN-STEM-timeline.png    a video's score per sampled frame against the threshold
    DIR/NNN-STEM-sheet.jpg       a video's contact sheet: up to 12 sampled frames, boxes, scores
    DIR/report.json              the detect report the page was made from

Input names are untrusted. The files written are named from the input's position NNN and its
name reduced to at most 40 characters of [A-Za-z0-9_-] (no dot, no separator), so they stay
inside DIR whatever the input is called; the page is the jinja2 template
templates/detect_report.html, autoescaped, so names shown in it are text. Every file
is written to a temporary name in DIR and renamed.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re

import jinja2
import numpy as np

from add_tf.core import atomic
from add_tf.core.threshold import THRESHOLD, is_fake
from add_tf.media.files import MediaError
from add_tf.media.images import read_image
from add_tf.media.video import iter_video_frames
from add_tf.training import model_card

IMAGE_SIDE = 960  # longer side of the annotated images in the page
SHEET_FRAMES = 12
SHEET_COLUMNS = 4
THUMB_WIDTH = 280
FAKE_RGB = (230, 40, 40)
REAL_RGB = (40, 190, 70)


# --------------------------------------------------------------------------- files
def safe_stem(path, width=40):
    """The input's file name without extension, reduced to [A-Za-z0-9_-] and `width` chars."""
    name = re.split(r"[\\/]", str(path).rstrip("/\\"))[-1]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", os.path.splitext(name)[0]).strip("_")
    return stem[:width] or "input"


def _write_bytes(out_dir, name, data):
    atomic.write_bytes(os.path.join(out_dir, name), data)
    return name


def _jpeg(rgb):
    import cv2

    ok, data = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]),
                            [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise ValueError(f"JPEG encoding failed. Received: image of shape {rgb.shape}")
    return data.tobytes()


# --------------------------------------------------------------------------- pictures
def _fit(rgb, side):
    """`rgb` shrunk so that its longer side is at most `side`, and the factor applied."""
    import cv2

    h, w = rgb.shape[:2]
    factor = min(1.0, side / float(max(h, w)))
    if factor == 1.0:
        return rgb.copy(), 1.0
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), factor


def _label(rgb, text, x, y, colour, scale):
    """`text` on a filled box whose bottom-left corner is (x, y), kept inside the image."""
    import cv2

    thickness = max(1, round(scale * 2))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x = int(min(max(0, x), max(0, rgb.shape[1] - tw - 4)))
    y = int(min(max(th + base + 4, y), rgb.shape[0]))
    cv2.rectangle(rgb, (x, y - th - base - 4), (x + tw + 4, y), colour, -1)
    cv2.putText(rgb, text, (x + 2, y - base - 2), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (255, 255, 255), thickness, cv2.LINE_AA)


def draw_faces(rgb, faces, factor, threshold):
    """Boxes (`box`, original pixels, scaled by `factor`) and p(fake) of `faces` drawn on `rgb`
    (modified in place): red when fake (`add_tf.core.threshold.is_fake`), green when real."""
    import cv2

    scale = max(0.4, min(rgb.shape[:2]) / 700)
    for face in faces:
        p = face.get("fake_probability")
        colour = FAKE_RGB if p is not None and is_fake(p, threshold) else REAL_RGB
        x0, y0, x1, y1 = (int(round(v * factor)) for v in face["box"])
        cv2.rectangle(rgb, (x0, y0), (x1, y1), colour, max(2, round(scale * 3)))
        _label(rgb, "-" if p is None else f"{p:.3f}", x0, y0 - 2, colour, scale)
    return rgb


def image_picture(entry, threshold):
    """JPEG bytes: the input image (longer side <= IMAGE_SIDE) with its faces drawn."""
    rgb, factor = _fit(read_image(entry["path"]), IMAGE_SIDE)
    return _jpeg(draw_faces(rgb, entry.get("faces", []), factor, threshold))


def sheet_frames(frames, count=SHEET_FRAMES):
    """Up to `count` of a video's scored frames, spread evenly over them."""
    picks = np.unique(np.linspace(0, len(frames) - 1, min(count, len(frames))).round())
    return [frames[int(i)] for i in picks]


def contact_sheet(entry, threshold, count=SHEET_FRAMES, columns=SHEET_COLUMNS, width=THUMB_WIDTH):
    """JPEG bytes: up to `count` sampled frames of a video, `columns` per row, `width` px each,
    with their faces, frame index and frame score."""
    import cv2

    chosen = {f["index"]: f for f in sheet_frames(entry.get("frames", []), count)}
    thumbs = []
    try:
        for index, rgb in iter_video_frames(entry["path"], sorted(chosen)):
            factor = width / rgb.shape[1]
            thumb = cv2.resize(rgb, (width, max(1, round(rgb.shape[0] * factor))),
                               interpolation=cv2.INTER_AREA)
            frame = chosen[index]
            draw_faces(thumb, frame["faces"], factor, threshold)
            p = frame.get("fake_probability")
            _label(thumb, f"frame {index}: " + ("no face" if p is None else f"{p:.3f}"),
                   0, thumb.shape[0], (40, 40, 40), 0.45)
            thumbs.append(thumb)
    except MediaError:
        if not thumbs:
            raise
    height = max(t.shape[0] for t in thumbs)
    rows = -(-len(thumbs) // columns)
    gap = 4
    sheet = np.full((rows * (height + gap) + gap, columns * (width + gap) + gap, 3), 24, np.uint8)
    for k, thumb in enumerate(thumbs):
        y, x = gap + (k // columns) * (height + gap), gap + (k % columns) * (width + gap)
        sheet[y:y + thumb.shape[0], x:x + width] = thumb
    return _jpeg(sheet)


def timeline(entry, threshold):
    """PNG bytes: the score of every sampled frame (frame index on x), the threshold, and the
    frames without a face marked at the bottom (matplotlib, Agg; no pyplot state)."""
    from matplotlib.figure import Figure

    frames = entry.get("frames", [])
    scored = [(f["index"], f["fake_probability"]) for f in frames
              if f.get("fake_probability") is not None]
    missing = [f["index"] for f in frames if f.get("fake_probability") is None]
    fig = Figure(figsize=(8, 2.6), dpi=100, layout="constrained")
    ax = fig.subplots()
    if scored:
        x, y = zip(*scored)
        ax.plot(x, y, "o-", color="#1f5fa8", markersize=4, linewidth=1.2, label="p(fake) of frame")
    if missing:
        ax.plot(missing, [0.0] * len(missing), "x", color="grey", label="no face")
    ax.axhline(threshold, color="#d62728", linestyle="--", linewidth=1,
               label=f"threshold {threshold:g}")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("frame index")
    ax.set_ylabel("p(fake)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def pictures(entry, threshold):
    """[(suffix, bytes, caption)] of one input: the annotated image of an image, the timeline
    and contact sheet of a video (only what its entry holds)."""
    if entry.get("kind") == "image" and "width" in entry:
        caption = "faces and p(fake)" if entry.get("faces") else "no face found"
        return [(".jpg", image_picture(entry, threshold), caption)]
    if entry.get("kind") == "video" and entry.get("frames"):
        out = []
        if any(f.get("fake_probability") is not None for f in entry["frames"]):
            out.append(("-timeline.png", timeline(entry, threshold), "p(fake) per sampled frame"))
        out.append(("-sheet.jpg", contact_sheet(entry, threshold), "sampled frames"))
        return out
    return []


# --------------------------------------------------------------------------- page
PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("add_tf.reporting", "templates"),
    autoescape=True,  # input names, messages and model paths are untrusted text
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def _score(entry):
    p = entry.get("fake_probability")
    return "-" if p is None else f"{p:.3f}"


def _details(entry):
    if entry.get("kind") == "video":
        text = (f"{entry.get('frames_with_face', 0)} of {entry.get('frames_read', 0)} sampled "
                f"frames with a face")
        if entry.get("fraction_fake_frames") is not None:
            text += f", {entry['fraction_fake_frames']:.0%} of them at or above the threshold"
        return text
    if entry.get("kind") == "image":
        return f"{len(entry.get('faces', []))} face(s), {entry.get('width')}x{entry.get('height')}"
    return ""


def _row(number, entry, shown, error):
    """What the page shows of one input (plain text; the template escapes it)."""
    if entry.get("status") == "ok" or "label" in entry:
        verdict_class = verdict = entry.get("label", "-")
    else:
        verdict_class, verdict = "failed", entry.get("message", "-")
    return {"number": number, "path": entry["path"], "kind": entry.get("kind", "-"),
            "status": entry["status"], "score": _score(entry), "verdict": verdict,
            "verdict_class": verdict_class, "details": _details(entry),
            "figures": [{"file": file, "caption": caption} for file, caption in shown],
            "error": error}


def page(report, previews):
    """The HTML text of index.html; `previews[i]` is ([(file name, caption)], error or None) of
    input i."""
    rows = [_row(i, entry, shown, error) for i, (entry, (shown, error))
            in enumerate(zip(report["inputs"], previews), start=1)]
    return PAGES.get_template("detect_report.html").render(
        summary=model_card.summary(report.get("model_card")),
        warnings=report.get("warnings", []),
        counts=sorted(report.get("counts", {}).items()),
        model=report.get("model"),
        threshold=report.get("threshold"),
        frames=report.get("frames"),
        stamp=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        rows=rows,
    )


def write_report(report, out_dir):
    """Write the pictures of every input, index.html and report.json of `report` (the dict of
    add_tf.detect.run) into `out_dir` (created); returns the path of index.html. An input whose
    pictures cannot be made (the file changed or is damaged) gets a note in the page instead."""
    os.makedirs(out_dir, exist_ok=True)
    threshold = float(report.get("threshold", THRESHOLD))
    previews = []
    for i, entry in enumerate(report["inputs"], start=1):
        shown, problem = [], None
        try:
            for suffix, data, caption in pictures(entry, threshold):
                name = f"{i:03d}-{safe_stem(entry['path'])}{suffix}"
                shown.append((_write_bytes(out_dir, name, data), caption))
        except (MediaError, OSError, ValueError) as error:
            problem = getattr(error, "message", None) or str(error)
        previews.append((shown, problem))
    _write_bytes(out_dir, "report.json", json.dumps(report, indent=2).encode())
    _write_bytes(out_dir, "index.html", page(report, previews).encode("utf-8"))
    return os.path.join(out_dir, "index.html")
