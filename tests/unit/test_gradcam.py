"""add_tf.gradcam: the command writes one PNG (+ TensorBoard)."""

import cv2

from add_tf import gradcam
from add_tf.core.config import Config
from add_tf.reporting import gradcam as gallery_lib
from tiny_models import make_run, textured_images

SIZE = 64


def test_cli_writes_png_and_tensorboard(tmp_path):
    add = make_run(tmp_path / "add", SIZE, with_teacher=True, seed=3)
    base = make_run(tmp_path / "none", SIZE, seed=1)
    paths = []
    for i, image in enumerate(textured_images(SIZE, 2)):
        paths.append(str(tmp_path / f"{i}.png"))
        cv2.imwrite(paths[-1], cv2.cvtColor(cv2.resize(image, (80, 70)), cv2.COLOR_RGB2BGR))
    out = tmp_path / "gallery.png"
    gradcam.main(["--add-run", str(add), "--baseline-run", str(base), "--images", *paths,
                  "--jpeg-quality", "20", "--out", str(out), "--tensorboard", str(tmp_path / "tb")])
    image = cv2.imread(str(out))
    assert image.shape == (2 * (gallery_lib.TILE + gallery_lib.HEADER), 5 * gallery_lib.TILE, 3)
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert not list(tmp_path.glob(".gallery.png.*"))  # no temporary file left


def test_teacher_from_its_own_run_dir_or_an_add_run(tmp_path):
    """--teacher takes the teacher's own run dir (its student.keras) as well as an ADD run's."""
    teacher_run = make_run(tmp_path / "raw" / "teacher", SIZE, seed=5)
    add = make_run(tmp_path / "add", SIZE, with_teacher=True, seed=3)
    image = str(tmp_path / "face.png")
    cv2.imwrite(image, cv2.cvtColor(textured_images(SIZE, 1)[0], cv2.COLOR_RGB2BGR))
    for teacher in (teacher_run, add):
        out = tmp_path / f"{teacher.name}.png"
        gradcam.main(["--teacher", str(teacher), "--images", image, "--out", str(out)])
        assert cv2.imread(str(out)).shape[1] == 2 * gallery_lib.TILE  # the face, the map


def test_records_show_the_fakes_of_the_run_on_its_own_records_else_all(tmp_path):
    config = Config()
    config.set("data.data_dir", str(tmp_path / "data"))
    config.set("data.dataset", "faceswap")
    own = config.to_dict()
    assert gradcam.shown_sets(own, str(tmp_path / "data" / "ffpp")) == ("FaceSwap",)
    assert gradcam.shown_sets(own, str(tmp_path / "data" / "ffpp") + "/") == ("FaceSwap",)
    assert gradcam.shown_sets(own, str(tmp_path / "celebdf")) == "all"
    config.set("data.dataset", "ffpp")
    assert gradcam.shown_sets(config.to_dict(), str(tmp_path / "data" / "ffpp")) == "all"
    assert gradcam.shown_sets({}, str(tmp_path / "data" / "ffpp")) == "all"  # no ADD run

