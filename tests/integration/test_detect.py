"""add_tf.detect on generated and broken inputs, a video's score from frames with two faces or
none, and on the shared photos / videos when present."""

import json
import os
import pathlib

import cv2
import numpy as np
import pytest

from add_tf import detect
from add_tf.detection.scorer import Scorer, load_scorer
from add_tf.media.crop_recipe import CropRecipe
from add_tf.media.encoding import write_video
from add_tf.media.faces import Face
from add_tf.training import model_card
from tiny_prepare import write_rgb


@pytest.fixture(scope="module")
def scorer(tiny_run_dir):
    return load_scorer(tiny_run_dir)


def _snapshot(root):
    return sorted(str(p.relative_to(root)) for p in pathlib.Path(root).rglob("*"))


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
    write_rgb(inputs / "noise.png", rng.integers(0, 255, (64, 96, 3), np.uint8))
    gray = rng.integers(0, 255, (64, 96), np.uint8)
    assert cv2.imwrite(str(inputs / "gray.png"), gray)
    rgba = rng.integers(0, 255, (64, 96, 4), np.uint8)
    assert cv2.imwrite(str(inputs / "rgba.png"), rgba)
    (tmp_path / "empty_dir").mkdir()
    write_video(inputs / "noface.mp4",
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
    # the run's card (a demo config) and its warning are in the report, with the warning that
    # the hand-made run records no crop recipe: its faces are cut by the defaults
    assert report["model_card"]["training_set"]["dataset"] == "demo"
    assert report["warnings"] == [model_card.DEMO_WARNING, *scorer.warnings]
    assert len(scorer.warnings) == 1 and "records no crop recipe" in scorer.warnings[0]
    assert report["crop"] == CropRecipe(size=scorer.image_size).to_dict()
    assert detect.exit_code(report) == 1
    # only the report was written, and it is complete JSON
    assert _snapshot(tmp_path) == sorted(before + ["out/report.json"])
    saved = json.loads((out / "report.json").read_text())
    assert len(saved["inputs"]) == len(paths) and saved["counts"]["no_face"] == 4
    # readable inputs without faces alone: exit code 0, or 1 with --strict
    clean = {"inputs": [e for e in report["inputs"] if e["status"] == "no_face"]}
    assert detect.exit_code(clean) == 0 and detect.exit_code(clean, strict=True) == 1


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


class _PlannedFaces:
    """A face detector finding, on its n-th call (the n-th sampled frame), the boxes of PLAN[n]."""

    PLAN = [[(4, 4, 40, 40), (50, 10, 90, 50)], [], [(4, 4, 40, 40)],
            [(50, 10, 90, 50), (4, 4, 40, 40)], [], [(50, 10, 90, 50)]]

    def __init__(self):
        self.calls = 0

    def detect(self, rgb, near=None):
        boxes = self.PLAN[self.calls]
        self.calls += 1
        return [Face(box, 0.99) for box in boxes]


def test_a_videos_score_follows_the_rule_of_the_help(tmp_path, monkeypatch, capsys):
    """Frames with two faces and frames with none: a frame scores its highest face, a frame
    without a face is left out of the mean and of the share of fake frames, the label is that
    of the mean; `--help` says so."""
    crop_scores = [0.2, 0.9, 0.3, 0.6, 0.1, 0.4]  # in frame order, then face order
    frame_scores = [0.9, None, 0.3, 0.6, None, 0.4]

    def score(crops):
        done = score.done
        score.done += len(crops)
        return np.asarray(crop_scores[done:done + len(crops)], np.float32)

    score.done = 0
    scorer = Scorer(score, CropRecipe(size=16), tmp_path / "no_model", "keras")
    monkeypatch.setattr(CropRecipe, "make_detector", lambda recipe, **search: _PlannedFaces())
    video = tmp_path / "faces.mp4"
    write_video(video, [np.full((64, 96, 3), 40 * i, np.uint8) for i in range(6)], fps=5)
    report = detect.run([str(video)], None, frames=6, threshold=0.5, min_face_size=8,
                        verbose=False, scorer=scorer)
    (entry,) = report["inputs"]
    assert entry["status"] == "ok" and entry["frames_read"] == 6
    assert [len(f["faces"]) for f in entry["frames"]] == [2, 0, 1, 2, 0, 1]
    assert [f["fake_probability"] for f in entry["frames"]] == pytest.approx(frame_scores)
    assert entry["frames_with_face"] == 4
    # mean over the 4 frames with a face: 0.55, fake (the first face of each frame: 0.375, and
    # the frames without a face as 0: 0.367, would both be real)
    assert entry["fake_probability"] == pytest.approx(0.55)
    assert entry["label"] == "fake"
    assert entry["fraction_fake_frames"] == pytest.approx(0.5)
    with pytest.raises(SystemExit) as info:
        detect.parse_args(["--help"])
    assert info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for said in ("highest score among its faces", "a frame without a face is left out",
                 "mean of the scores of its sampled frames with a face",
                 "at or above --threshold", "frames>=thr is the share of those frames at or above"):
        assert said in help_text  # in the test's words: what the report above shows
