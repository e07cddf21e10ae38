"""add_tf.reporting.detect_report on hand-made detect reports: hostile input names, every picture
referenced and present, boxes coloured by the threshold."""

import json
import pathlib
import re

import cv2
import numpy as np

from add_tf.reporting import detect_report
from add_tf.training import model_card
from detect_reports import Page, make_report

HOSTILE = "<img src=x onerror=alert(1)>.jpg"


def _image(path, width=120, height=90, value=120):
    assert cv2.imwrite(str(path), np.full((height, width, 3), value, np.uint8))
    return str(path)


def _image_entry(path, faces):
    return {"path": path, "kind": "image", "width": 120, "height": 90, "faces": faces,
            "status": "ok" if faces else "no_face",
            **({"fake_probability": max(f["fake_probability"] for f in faces), "label": "fake"}
               if faces else {"message": "no face found"})}


def test_safe_stem_keeps_names_inside_the_folder():
    for name in ["../../etc/passwd", "/abs/x.jpg", "C:\\win\\..\\x.png", "a\nb\r.jpg", ".",
                 "..", "." * 300, HOSTILE, "x" * 300 + ".png", "", "déjà vu.mp4"]:
        stem = detect_report.safe_stem(name)
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", stem), (name, stem)
    assert detect_report.safe_stem("/data/clip 01.mp4") == "clip_01"


def test_hostile_names_stay_inside_and_render_as_text(tmp_path):
    inputs = tmp_path / "inputs"
    (inputs / "sub").mkdir(parents=True)
    names = [HOSTILE, "a\nb.png", "..\\..\\evil.png", "x" * 240 + ".png", "...png"]
    paths = [_image(inputs / name) for name in names]
    _image(inputs / "evil.jpg")
    paths.append(str(inputs / "sub" / ".." / "evil.jpg"))  # `..` in the path as given
    face = {"box": [20, 10, 80, 70], "fake_probability": 0.9}
    entries = [_image_entry(p, [face]) for p in paths]
    entries.append({"path": "/etc/passwd", "status": "missing", "message": "<b>gone</b>"})
    out = tmp_path / "report"
    outside = sorted(p for p in tmp_path.rglob("*"))
    index = detect_report.write_report(make_report(entries), str(out))

    # nothing was written outside the report folder, nothing in a subfolder of it
    assert sorted(p for p in tmp_path.rglob("*") if out not in p.parents and p != out) == outside
    written = sorted(out.iterdir())
    assert all(p.is_file() and p.parent == out for p in written)
    assert not [p for p in written if p.name.startswith(".")]  # no temporary file left
    text = pathlib.Path(index).read_text(encoding="utf-8")
    page = Page(text)
    # the page's only images are the annotated ones, and each one exists in the folder
    assert len(page.sources()) == len(paths)
    assert {out / s for s in page.sources()} == {p for p in written if p.suffix == ".jpg"
                                                 or p.suffix == ".png"}
    assert "script" not in {tag for tag, _ in page.tags}
    assert not [name for _, attrs in page.tags for name in attrs if name.startswith("on")]
    # names and messages are text, escaped in the source
    shown = "".join(page.text)
    assert HOSTILE in shown and "<b>gone</b>" in shown and "/etc/passwd" in shown
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in text and HOSTILE not in text
    assert "&lt;b&gt;gone&lt;/b&gt;" in text
    assert model_card.NO_CARD_WARNING in shown
    assert json.loads((out / "report.json").read_text())["inputs"][0]["path"] == paths[0]


def test_face_boxes_are_coloured_by_the_threshold():
    rgb = np.zeros((100, 200, 3), np.uint8)
    faces = [{"box": [10, 40, 60, 90], "fake_probability": 0.8},
             {"box": [110, 40, 160, 90], "fake_probability": 0.2}]
    detect_report.draw_faces(rgb, faces, 1.0, threshold=0.5)
    assert tuple(rgb[65, 10]) == detect_report.FAKE_RGB  # left edge of the first box
    assert tuple(rgb[65, 110]) == detect_report.REAL_RGB
    assert not rgb[65, 85].any()  # between the boxes nothing is drawn
    half = np.zeros((50, 100, 3), np.uint8)  # the same boxes on a picture shrunk by half
    detect_report.draw_faces(half, faces[:1], 0.5, threshold=0.9)
    assert tuple(half[32, 5]) == detect_report.REAL_RGB
    at = np.zeros((100, 200, 3), np.uint8)  # a score at the threshold is fake, as in the metrics
    detect_report.draw_faces(at, [{**faces[0], "fake_probability": 0.5}], 1.0, threshold=0.5)
    assert tuple(at[65, 10]) == detect_report.FAKE_RGB


def test_an_input_gone_since_detection_gets_a_note(tmp_path):
    path = _image(tmp_path / "photo.jpg")
    entry = _image_entry(path, [{"box": [20, 10, 80, 70], "fake_probability": 0.3}])
    pathlib.Path(path).unlink()
    index = detect_report.write_report(make_report([entry]), str(tmp_path / "report"))
    text = pathlib.Path(index).read_text()
    assert "preview unavailable" in text and not Page(text).sources()
