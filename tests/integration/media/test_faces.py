import numpy as np
import pytest

from add_tf.media import faces
from add_tf.media.images import read_image
from add_tf.media.video import read_video_frames


@pytest.fixture(scope="module")
def detector():
    return faces.FaceDetector()


def test_mtcnn_finds_several_faces(shared_data, detector):
    image = read_image(shared_data / "faces" / "2008_002470.jpg")
    found = detector.detect(image)
    assert len(found) >= 3
    areas = [f.area for f in found]
    assert areas == sorted(areas, reverse=True)
    for f in found:
        x0, y0, x1, y1 = f.box
        assert 0 <= x0 < x1 <= image.shape[1] and 0 <= y0 < y1 <= image.shape[0]


def test_mtcnn_downscaled_box_maps_back(shared_data, detector):
    image = read_image(shared_data / "faces" / "Tom_Cruise_avp_2014_4.jpg")
    full = faces.FaceDetector(detect_max_side=2000).detect(image)[0].box
    small = faces.FaceDetector(detect_max_side=300).detect(image)[0].box
    assert np.abs(np.subtract(full, small)).max() < 0.1 * (full[2] - full[0])


def test_mtcnn_no_face_on_dogs(shared_data, detector):
    assert detector.detect(read_image(shared_data / "faces" / "dogs.jpg")) == []


def test_near_search_keeps_the_nearby_face(shared_data, detector):
    image = read_image(shared_data / "faces" / "2008_002470.jpg")
    whole = detector.detect(image)
    smaller = whole[-1].box
    near = detector.detect(image, near=smaller)[0].box
    assert np.abs(np.subtract(near, smaller)).max() < 0.15 * (smaller[2] - smaller[0])


def test_near_search_falls_back_to_the_whole_frame(shared_data, detector):
    image = read_image(shared_data / "faces" / "Tom_Cruise_avp_2014_4.jpg")
    assert detector.detect(image, near=(0, 0, 30, 30)) == detector.detect(image)
    dogs = read_image(shared_data / "faces" / "dogs.jpg")
    assert detector.detect(dogs, near=(0, 0, 30, 30)) == []


def test_near_search_follows_the_subject_past_an_inset_face(shared_data, detector):
    """FF++ original 004: at frame 241 an inset picture holds a larger face than the presenter's."""
    videos = shared_data / "ffpp_c23_mini" / "original_sequences" / "youtube" / "c23" / "videos"
    path = videos / "004.mp4"
    (_, before), (_, frame) = read_video_frames(path, [222, 241])
    subject = detector.detect(before)[0].box
    largest = detector.detect(frame)[0].box
    followed = detector.detect(frame, near=subject)[0].box
    assert largest[2] < subject[0]  # the inset, left of the presenter
    assert np.abs(np.subtract(followed, subject)).max() < 0.3 * (subject[2] - subject[0])
