"""add_tf.detect on generated and broken inputs, and on the shared photos / videos when present."""

import json
import os
import pathlib
import re

import cv2
import numpy as np
import pytest

from add_tf import detect, export, media
from add_tf.serving import scoring
from add_tf.training import model_card
from test_export import make_run
from testdata import SHARED_DATA

SIZE = 32


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("detect") / "run", size=SIZE)


@pytest.fixture(scope="module")
def scorer(run_dir):
    return scoring.load_scorer(run_dir)


def _snapshot(root):
    return sorted(str(p.relative_to(root)) for p in pathlib.Path(root).rglob("*"))


def _write_rgb(path, rgb):
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def _face_photo():
    path = SHARED_DATA / "faces" / "Tom_Cruise_avp_2014_4.jpg"
    if not path.is_file():
        pytest.skip(f"shared test data not found at {path}")
    rgb = media.read_image(path)
    return cv2.resize(rgb, (283, 400), interpolation=cv2.INTER_AREA)  # one face of ~190 px


def _face_video(path, frames=10, size=(320, 240)):
    face = cv2.resize(_face_photo(), (150, 212))
    out = []
    for i in range(frames):
        canvas = np.full((size[1], size[0], 3), 90, np.uint8)
        x = 40 + 4 * i
        canvas[14:14 + 212, x:x + 150] = face
        out.append(canvas)
    return media.write_video(path, out, fps=10)


def test_broken_inputs_get_statuses_and_nothing_else_is_written(tmp_path, scorer):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    (inputs / "zero.jpg").write_bytes(b"")
    png = cv2.imencode(".png", rng.integers(0, 255, (64, 64, 3), np.uint8))[1].tobytes()
    (inputs / "truncated.png").write_bytes(png[: len(png) // 3])
    (inputs / "notes.txt").write_text("not an image\n")
    (inputs / "text.jpg").write_text("not a jpeg either\n")
    (inputs / "garbage.mp4").write_bytes(os.urandom(2000))
    _write_rgb(inputs / "noise.png", rng.integers(0, 255, (64, 96, 3), np.uint8))
    gray = rng.integers(0, 255, (64, 96), np.uint8)
    assert cv2.imwrite(str(inputs / "gray.png"), gray)
    rgba = rng.integers(0, 255, (64, 96, 4), np.uint8)
    assert cv2.imwrite(str(inputs / "rgba.png"), rgba)
    (tmp_path / "empty_dir").mkdir()
    media.write_video(inputs / "noface.mp4",
                      [np.full((64, 96, 3), 30 * i, np.uint8) for i in range(6)], fps=5)
    out = tmp_path / "out"
    out.mkdir()
    before = _snapshot(tmp_path)
    names = ["zero.jpg", "truncated.png", "notes.txt", "text.jpg", "garbage.mp4", "noise.png",
             "gray.png", "rgba.png", "noface.mp4"]
    paths = [str(inputs / n) for n in names] + [str(tmp_path / "missing.jpg"),
                                                 str(tmp_path / "empty_dir")]
    cwd = os.getcwd()
    os.chdir(out)
    try:
        report = detect.run(paths, None, frames=4, json_path=out / "report.json",
                            verbose=True, scorer=scorer)
    finally:
        os.chdir(cwd)
    status = {pathlib.Path(e["path"]).name: e["status"] for e in report["inputs"]}
    assert status == {
        "zero.jpg": "empty", "truncated.png": "unreadable", "notes.txt": "not_media",
        "text.jpg": "unreadable", "garbage.mp4": "unreadable", "noise.png": "no_face",
        "gray.png": "no_face", "rgba.png": "no_face", "noface.mp4": "no_face",
        "missing.jpg": "missing", "empty_dir": "empty",
    }
    assert all(e.get("message") for e in report["inputs"])
    # the run's card (a demo config) and its warning are in the report
    assert report["model_card"]["training_set"]["dataset"] == "demo"
    assert report["warnings"] == [model_card.DEMO_WARNING]
    assert detect.exit_code(report) == 1
    # only the report was written, and it is complete JSON
    assert _snapshot(tmp_path) == sorted(before + ["out/report.json"])
    saved = json.loads((out / "report.json").read_text())
    assert len(saved["inputs"]) == len(paths) and saved["counts"]["no_face"] == 4
    # readable inputs without faces alone: exit code 0, or 1 with --strict
    clean = {"inputs": [e for e in report["inputs"] if e["status"] == "no_face"]}
    assert detect.exit_code(clean) == 0 and detect.exit_code(clean, strict=True) == 1


def test_cli_usage_errors(tmp_path, run_dir):
    with pytest.raises(SystemExit) as info:
        detect.main([str(tmp_path), "--model", str(run_dir), "--json",
                     str(tmp_path / "no" / "such" / "dir" / "r.json")])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        detect.main([str(tmp_path), "--model", str(tmp_path / "nothing")])
    assert info.value.code == 2
    (tmp_path / "taken").write_text("")
    with pytest.raises(SystemExit) as info:
        detect.main([str(tmp_path), "--model", str(run_dir), "--report", str(tmp_path / "taken")])
    assert info.value.code == 2
    assert not (tmp_path / "no").exists()


@pytest.mark.slow
def test_faces_in_images_and_videos(tmp_path, run_dir):
    face = _face_photo()
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    _write_rgb(inputs / "face.jpg", face)
    assert cv2.imwrite(str(inputs / "gray.png"), cv2.cvtColor(face, cv2.COLOR_RGB2GRAY))
    assert cv2.imwrite(str(inputs / "rgba.png"),
                       cv2.cvtColor(face, cv2.COLOR_RGB2BGRA))
    huge = cv2.resize(face, (4245, 6000), interpolation=cv2.INTER_LINEAR)  # 25 Mpx
    _write_rgb(inputs / "huge.jpg", huge)
    del huge
    video = _face_video(inputs / "clip.mp4")
    data = pathlib.Path(video).read_bytes()
    (inputs / "cut.mp4").write_bytes(data[: int(len(data) * 0.6)])

    # score through an exported SavedModel (base path: the newest version is used)
    base = tmp_path / "saved_models" / "tiny"
    export.main(["--run", str(run_dir), "--out", str(base)])
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
    keras_report = detect.run([str(inputs / "face.jpg")], run_dir, verbose=False)
    assert keras_report["model_kind"] == "keras"
    assert keras_report["inputs"][0]["fake_probability"] == pytest.approx(
        by_name["face.jpg"]["fake_probability"], abs=1e-5)


@pytest.mark.slow
def test_shared_ffpp_video_and_photos(shared_data, scorer, tmp_path):
    videos = shared_data / "ffpp_c23_mini" / "original_sequences" / "youtube" / "c23" / "videos"
    video = videos / "519.mp4"
    photos = [shared_data / "faces" / "2008_001322.jpg", shared_data / "faces" / "dogs.jpg"]
    report = detect.run([str(video)] + [str(p) for p in photos], None, frames=3,
                        verbose=False, scorer=scorer)
    entries = {pathlib.Path(e["path"]).name: e for e in report["inputs"]}
    assert entries["519.mp4"]["status"] == "ok" and entries["519.mp4"]["frames_read"] == 3
    assert entries["2008_001322.jpg"]["status"] == "ok"
    assert len(entries["2008_001322.jpg"]["faces"]) >= 2  # several faces, all scored
    assert entries["dogs.jpg"]["status"] == "no_face"
    table = detect.format_table(report["inputs"])
    assert "519.mp4" in table and "no_face" in table
