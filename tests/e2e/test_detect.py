"""add_tf.detect end to end: faces in images and videos through an exported SavedModel, the HTML
report, and a run dir scoring as its SavedModel."""

import json
import pathlib
import re

import cv2
import numpy as np
import pytest

from add_tf import detect, export
from add_tf.media.crop_recipe import CropRecipe
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


def _on_canvas(face, x, y, tint=(0, 0, 0), size=(480, 360)):
    canvas = np.full((size[1], size[0], 3), 90, np.uint8)
    canvas[y:y + face.shape[0], x:x + face.shape[1]] = np.clip(
        face.astype(int) + tint, 0, 255).astype(np.uint8)
    return canvas


def _square_sides(face):
    """(side of the face box found, side of the square cut) of a report's face entry."""
    x0, y0, x1, y1 = face["box"]
    c0, d0, c1, d1 = face["crop_box"]
    assert c1 - c0 == d1 - d0
    return max(x1 - x0, y1 - y0), c1 - c0


def test_a_model_trained_on_wider_boxes_cuts_wider_boxes(tmp_path, monkeypatch):
    """Records prepared with MTCNN and --box-scale 1.5, a tiny run trained on them: its card,
    its SavedModel and detect's report carry the recipe, and detect (run dir and SavedModel)
    and gradcam --detect-faces cut every face with a 1.5x box."""
    from add_tf import fit, gradcam
    from pipelines import prepare

    face = cv2.resize(_face_photo(), (141, 200), interpolation=cv2.INTER_AREA)
    tree = tmp_path / "faces"
    for i in range(7):  # seven first names: train, val and test each get one or more
        (tree / "real").mkdir(parents=True, exist_ok=True)
        (tree / "fake").mkdir(parents=True, exist_ok=True)
        write_rgb(tree / "real" / f"p{i}.png", _on_canvas(face, 40 + 30 * i, 60 + 10 * i))
        write_rgb(tree / "fake" / f"p{i}.png", _on_canvas(face, 250 - 25 * i, 80, (60, -30, 0)))
    records = tmp_path / "records"
    manifest = prepare.run(["--layout", "folders", "--root", str(tree), "--out", str(records),
                            "--frames", "1", "--size", str(SIZE), "--box-scale", "1.5",
                            "--direct_running_mode=in_memory", "--direct_num_workers=1"])
    assert manifest["settings"]["box_scale"] == 1.5 and not manifest["skipped"]
    run = pathlib.Path(fit.main([
        "--records", str(records), "--comp", "c23", "--method", "none", "--backbone",
        "resnet18", "--run-dir", str(tmp_path / "run"), "--verbose", "0", "--no-evaluate",
        "--set", "train.epochs=1", "train.validations_per_epoch=1", "train.batch_size=4",
        "model.weights=null"]))
    card = json.loads((run / "model_card.json").read_text())
    assert card["crop"]["box_scale"] == 1.5 and card["crop"]["detector"] == "mtcnn"
    saved = export.main(["--run", str(run), "--out", str(tmp_path / "saved_models" / "wide")])
    assert json.loads((saved / "assets.extra" / "add_tf.json").read_text())["crop"] == card["crop"]

    photo = write_rgb(tmp_path / "photo.png", _on_canvas(face, 170, 80))
    sides = {}
    for model in (run, saved):
        report = detect.run([str(photo)], str(model), verbose=False)
        assert report["crop"]["box_scale"] == 1.5 and report["warnings"] == []
        (entry,) = report["inputs"]
        assert entry["status"] == "ok" and len(entry["faces"]) == 1
        sides[model] = _square_sides(entry["faces"][0])
    (found, cut), = set(sides.values())  # the run dir and its SavedModel cut the same box
    assert found > 60 and cut == round(1.5 * found)

    cuts = []
    recipe_cut = CropRecipe.cut
    monkeypatch.setattr(CropRecipe, "cut", lambda recipe, rgb, box: cuts.append(box)
                        or recipe_cut(recipe, rgb, box))
    gradcam.main(["--add-run", str(run), "--images", str(photo), "--detect-faces",
                  "--out", str(tmp_path / "gallery.png")])
    ((x0, y0, x1, y1),) = cuts
    assert x1 - x0 == y1 - y0 == cut
