"""The SavedModel resizes a face as the training crops were resized (media.faces.crop_face)."""

import numpy as np
import pytest

from add_tf.media.faces import crop_face
from add_tf.serving.export import resize_faces
from tiny_models import textured_images


@pytest.mark.parametrize("height, width", [(150, 150), (97, 97), (150, 97), (64, 64)])
def test_shrinking_matches_the_training_crops_to_the_grey_level(height, width):
    faces = textured_images(max(height, width), n=2, seed=height)[:, :height, :width]
    trained = np.stack([crop_face(face, (0, 0, width, height), 64) for face in faces])
    served = resize_faces(faces, 64).numpy()
    assert served.shape == (2, 64, 64, 3)
    np.testing.assert_array_equal(served, trained.astype(np.float32))


@pytest.mark.parametrize("side", [33, 40, 50])
def test_growing_stays_within_a_grey_level_of_the_training_crops(side):
    faces = textured_images(side, n=2, seed=side)
    trained = np.stack([crop_face(face, (0, 0, side, side), 64) for face in faces])
    difference = np.abs(resize_faces(faces, 64).numpy() - trained)
    assert difference.max() <= 1 and difference.mean() < 0.2
