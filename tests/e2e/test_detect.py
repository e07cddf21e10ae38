"""add_tf.detect end to end: faces in images and videos through an exported SavedModel, the HTML
report, and a run dir scoring as its SavedModel."""

import json
import pathlib
import re

import cv2
import numpy as np
import pytest

from add_tf import detect, export
from add_tf.media.encoding import write_video
from add_tf.media.images import read_image
from testdata import SHARED_DATA
from tiny_models import SIZE
from tiny_prepare import write_rgb


def _face_photo():
    path = SHARED_DATA / "faces" / "Tom_Cruise_avp_2014_4.jpg"
    if not path.is_file():
        pytest.skip(f"shared test data not found at {path}")
    rgb = read_image(path)
    return cv2.resize(rgb, (283, 400), interpolation=cv2.INTER_AREA)  # one face of ~190 px


def _face_video(path, frames=10, size=(320, 240)):
    face = cv2.resize(_face_photo(), (150, 212))
    out = []
    for i in range(frames):
        canvas = np.full((size[1], size[0], 3), 90, np.uint8)
        x = 40 + 4 * i
        canvas[14:14 + 212, x:x + 150] = face
        out.append(canvas)
    return write_video(path, out, fps=10)


def test_faces_in_images_and_videos(tmp_path, tiny_run_dir):
    face = _face_photo()
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    write_rgb(inputs / "face.jpg", face)
    assert cv2.imwrite(str(inputs / "gray.png"), cv2.cvtColor(face, cv2.COLOR_RGB2GRAY))
    assert cv2.imwrite(str(inputs / "rgba.png"),
                       cv2.cvtColor(face, cv2.COLOR_RGB2BGRA))
    huge = cv2.resize(face, (4245, 6000), interpolation=cv2.INTER_LINEAR)  # 25 Mpx
    write_rgb(inputs / "huge.jpg", huge)
    del huge
    video = _face_video(inputs / "clip.mp4")
    data = pathlib.Path(video).read_bytes()
    (inputs / "cut.mp4").write_bytes(data[: int(len(data) * 0.6)])

    # score through an exported SavedModel (base path: the newest version is used)
    base = tmp_path / "saved_models" / "tiny"
    export.main(["--run", str(tiny_run_dir), "--out", str(base)])
    report_path = tmp_path / "report.json"
    code = detect.main([str(inputs), "--model", str(base), "--frames", "6", "--json",
                        str(report_path), "--max-side", "2048", "--report",
                        str(tmp_path / "html")])
    report = json.loads(report_path.read_text())
    by_name = {pathlib.Path(e["path"]).name: e for e in report["inputs"]}
    assert report["model_kind"] == "saved_model" and report["image_size"] == SIZE
    for name in ("face.jpg", "gray.png", "rgba.png", "huge.jpg"):
        entry = by_name[name]
        assert entry["status"] == "ok", entry
        assert len(entry["faces"]) == 1
        box = entry["faces"][0]["box"]
        assert 0 <= entry["fake_probability"] <= 1
        # boxes are in the original image's pixels
        scale = entry["width"] / face.shape[1]
        assert box[2] - box[0] > 100 * scale and box[2] <= entry["width"]
    clip = by_name["clip.mp4"]
    assert clip["status"] == "ok" and clip["frames_read"] == 6 and clip["frames_with_face"] == 6
    frame_scores = [f["fake_probability"] for f in clip["frames"]]
    assert clip["fake_probability"] == pytest.approx(np.mean(frame_scores), abs=1e-5)
    assert clip["fraction_fake_frames"] == pytest.approx(np.mean(np.array(frame_scores) > 0.5))
    assert by_name["cut.mp4"]["status"] in ("truncated", "unreadable", "corrupt")
    assert code == 1  # the cut video is a failed input
    # the HTML report: one annotated picture per image, a timeline and a contact sheet for the clip
    page = (tmp_path / "html" / "index.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert all((tmp_path / "html" / s).is_file() for s in sources)
    assert len([s for s in sources if s.endswith(".jpg") and "-sheet" not in s]) == 4
    clip_number = [pathlib.Path(e["path"]).name for e in report["inputs"]].index("clip.mp4") + 1
    assert {f"{clip_number:03d}-clip-timeline.png", f"{clip_number:03d}-clip-sheet.jpg"} <= set(
        sources)

    # the Keras run dir gives the same face scores as the SavedModel
    keras_report = detect.run([str(inputs / "face.jpg")], tiny_run_dir, verbose=False)
    assert keras_report["model_kind"] == "keras"
    assert keras_report["inputs"][0]["fake_probability"] == pytest.approx(
        by_name["face.jpg"]["fake_probability"], abs=1e-5)
