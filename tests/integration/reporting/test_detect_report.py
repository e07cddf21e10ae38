"""add_tf.reporting.detect_report on a generated video: its timeline and contact sheet."""

import pathlib

import cv2
import numpy as np

from add_tf.media.encoding import write_video
from add_tf.reporting import detect_report
from detect_reports import Page, make_report


def _video_entry(path, scores):
    frames = [{"index": i, "faces": [] if p is None else
               [{"box": [10, 10, 50, 50], "fake_probability": p}], "fake_probability": p}
              for i, p in enumerate(scores)]
    return {"path": path, "kind": "video", "status": "ok", "frames": frames,
            "frames_read": len(frames), "frames_with_face": sum(p is not None for p in scores),
            "fake_probability": 0.5, "label": "real"}


def test_video_timeline_and_contact_sheet(tmp_path):
    frames = [np.full((48, 64, 3), 20 * i, np.uint8) for i in range(6)]
    path = write_video(tmp_path / "clip.mp4", frames, fps=5)
    scores = [0.2, None, 0.7, 0.9, None, 0.4]
    entry = _video_entry(path, scores)
    timeline = cv2.imdecode(np.frombuffer(detect_report.timeline(entry, 0.5), np.uint8),
                            cv2.IMREAD_COLOR)
    assert timeline.shape == (260, 800, 3)
    sheet = cv2.imdecode(np.frombuffer(detect_report.contact_sheet(entry, 0.5, count=5, columns=4,
                                                            width=64), np.uint8),
                         cv2.IMREAD_COLOR)
    assert sheet.shape == (2 * (48 + 4) + 4, 4 * (64 + 4) + 4, 3)  # 5 frames: two rows of four
    assert [f["index"] for f in detect_report.sheet_frames(entry["frames"], 3)] == [0, 2, 5]
    assert [f["index"] for f in detect_report.sheet_frames(entry["frames"], 12)] == list(range(6))

    no_frames = {"path": str(tmp_path / "x.mp4"), "kind": "video", "status": "unreadable",
                 "message": "no frame could be decoded"}
    out = tmp_path / "report"
    index = detect_report.write_report(make_report([entry, no_frames]), str(out))
    page = Page(pathlib.Path(index).read_text())
    assert page.sources() == ["001-clip-timeline.png", "001-clip-sheet.jpg"]
    assert all((out / s).is_file() for s in page.sources())
