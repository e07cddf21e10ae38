"""add_tf.reporting.gradcam: heat map shape and contrast, gallery layout."""

import keras
import numpy as np

from add_tf.reporting import gradcam as gallery_lib
from tiny_models import textured_images, tiny_classifier

SIZE = 64


def test_grad_cam_shape_range_and_not_constant():
    # (an untrained net: for some seeds every cell of the 2x2 layer4 map is negative and Grad-CAM's
    # ReLU leaves zeros; seed 0 gives a proper map)
    model = tiny_classifier(SIZE, seed=0)
    cams, probs = gallery_lib.grad_cam(model, textured_images(SIZE).astype("float32"))
    assert cams.shape == (3, SIZE, SIZE) and probs.shape == (3,)
    assert np.all(cams >= 0) and np.all(cams <= 1 + 1e-6)
    assert np.all((probs >= 0) & (probs <= 1))
    for cam in cams:
        assert cam.max() - cam.min() > 0.1  # a real heat map, not a constant


def test_grad_cam_under_mixed_precision():
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = tiny_classifier(SIZE, seed=0)
        cams, probs = gallery_lib.grad_cam(model, textured_images(SIZE).astype("float32"))
    finally:
        keras.mixed_precision.set_global_policy(policy)
    assert cams.shape == (3, SIZE, SIZE) and np.all(np.isfinite(cams))
    assert max(cam.max() - cam.min() for cam in cams) > 0.1
    assert np.all((probs >= 0) & (probs <= 1))


def test_gallery_layout():
    raw = textured_images(SIZE)
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


def test_images_give_their_face_cut_by_the_cropper_else_their_centre_square(tmp_path):
    import cv2

    from add_tf.media.faces import crop_face

    class OneFace:
        """A cropper finding a face in `face.png` only."""

        def crops(self, rgb):
            found = rgb.shape[1] == 80
            return [], np.full((int(found), 16, 16, 3), 7, np.uint8)

    images = textured_images(96, 2)
    cv2.imwrite(str(tmp_path / "face.png"), cv2.cvtColor(images[0][:, :80], cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(tmp_path / "none.png"), cv2.cvtColor(images[1][:60], cv2.COLOR_RGB2BGR))
    raw, compressed = gallery_lib.load_images([tmp_path / "face.png", tmp_path / "none.png"], 16,
                                              OneFace())
    assert raw.shape == (2, 16, 16, 3) and np.array_equal(raw, compressed)
    assert (raw[0] == 7).all()
    assert np.array_equal(raw[1], crop_face(images[1][:60], (18, 0, 78, 60), 16))
