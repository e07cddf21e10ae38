"""Grad-CAM: heat map shape and contrast, gallery layout, the CLI writes one PNG (+ TensorBoard)."""

import cv2
import numpy as np

from add_tf import gradcam
from add_tf.reporting import gradcam as gallery_lib
from test_export import make_run, tiny_classifier

SIZE = 64


def _images(n=3, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    base = np.stack([xx * 4, yy * 4, (xx + yy) * 2], -1)
    return np.uint8(np.clip(base[None] + rng.integers(0, 60, (n, SIZE, SIZE, 3)), 0, 255))


def test_grad_cam_shape_range_and_not_constant():
    # (an untrained net: for some seeds every cell of the 2x2 layer4 map is negative and Grad-CAM's
    # ReLU leaves zeros; seed 0 gives a proper map)
    model = tiny_classifier(SIZE, seed=0)
    cams, probs = gallery_lib.grad_cam(model, _images().astype("float32"))
    assert cams.shape == (3, SIZE, SIZE) and probs.shape == (3,)
    assert np.all(cams >= 0) and np.all(cams <= 1 + 1e-6)
    assert np.all((probs >= 0) & (probs <= 1))
    for cam in cams:
        assert cam.max() - cam.min() > 0.1  # a real heat map, not a constant


def test_gallery_layout():
    raw = _images()
    compressed = raw // 2
    models = [("baseline", tiny_classifier(SIZE, 1), "compressed"),
              ("teacher", tiny_classifier(SIZE, 2), "raw"),
              ("ADD", tiny_classifier(SIZE, 3), "compressed")]
    gallery, results = gallery_lib.make_gallery(raw, compressed, models, labels=[0, 1, 1])
    tile_h = gallery_lib.TILE + gallery_lib.HEADER
    assert gallery.shape == (3 * tile_h, 5 * gallery_lib.TILE, 3) and gallery.dtype == np.uint8
    assert set(results) == {"baseline", "teacher", "ADD"}
    # the teacher saw the raw crops, the students the compressed ones
    same = gallery_lib.grad_cam(models[1][1], raw.astype("float32"))[1]
    np.testing.assert_allclose(results["teacher"][1], same, atol=1e-6)


def test_load_records_half_each_class_or_filled_from_the_other(tiny_data_dir):
    records = tiny_data_dir / "demo"  # 8 real and 8 fake faces per split
    raw, compressed, labels = gallery_lib.load_records(records, "Demo", "test", "c40", None, 5)
    assert raw.shape == compressed.shape == (5, 32, 32, 3) and raw.dtype == np.uint8
    assert sorted(labels) == [0, 0, 0, 1, 1]
    # only real faces: the fake half is filled with more real ones
    raw, _, labels = gallery_lib.load_records(records, "original", "test", "c40", None, 6)
    assert raw.shape[0] == 6 and list(labels) == [0] * 6


def test_cli_writes_png_and_tensorboard(tmp_path):
    add = make_run(tmp_path / "add", SIZE, with_teacher=True, seed=3)
    base = make_run(tmp_path / "none", SIZE, seed=1)
    paths = []
    for i, image in enumerate(_images(2)):
        paths.append(str(tmp_path / f"{i}.png"))
        cv2.imwrite(paths[-1], cv2.cvtColor(cv2.resize(image, (80, 70)), cv2.COLOR_RGB2BGR))
    out = tmp_path / "gallery.png"
    gradcam.main(["--add-run", str(add), "--baseline-run", str(base), "--images", *paths,
                  "--jpeg-quality", "20", "--out", str(out), "--tensorboard", str(tmp_path / "tb")])
    image = cv2.imread(str(out))
    assert image.shape == (2 * (gallery_lib.TILE + gallery_lib.HEADER), 5 * gallery_lib.TILE, 3)
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert not list(tmp_path.glob(".gallery.png.*"))  # no temporary file left
