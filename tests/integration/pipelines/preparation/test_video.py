import numpy as np

from add_tf.media import faces
from add_tf.media.encoding import write_video
from pipelines.preparation.video import process_video


class _RecordingDetector:
    """Finds one fixed face except on the frames listed in `faceless` (by call number)."""

    def __init__(self, faceless=()):
        self.near, self.faceless = [], set(faceless)

    def detect(self, rgb, near=None):
        self.near.append(near)
        if len(self.near) - 1 in self.faceless:
            return []
        return [faces.Face((1, 1, 9, 9), 1.0)]


def test_whole_frame_every_n_samples_and_after_a_lost_face(tiny_tree):
    video = tiny_tree / "original_sequences" / "youtube" / "raw" / "videos"
    path = str(sorted(video.glob("*.mp4"))[0])
    item = {"method": "original", "video_id": "x", "label": 0, "paths": {"raw": path}}
    settings = {"qualities": ["raw"], "size": 8, "frames": 8, "box_scale": 1.3,
                "full_frame_every": 3}
    detector = _RecordingDetector(faceless={4})
    kinds = [kind for kind, _ in process_video(item, settings, detector)]
    assert kinds.count("example") == 7
    whole_frame = [near is None for near in detector.near]
    assert whole_frame == [True, False, False, True, False, True, True, False]


def test_frame_count_mismatch_is_recorded_once(tmp_path):
    frames = [np.full((16, 16, 3), 10 * i, np.uint8) for i in range(8)]
    paths = {"raw": write_video(tmp_path / "raw.mp4", frames),
             "c23": write_video(tmp_path / "c23.mp4", frames[:6]),
             "c40": write_video(tmp_path / "c40.mp4", frames[:6])}
    item = {"method": "original", "video_id": "x", "label": 0, "paths": paths}
    settings = {"qualities": ["raw", "c23", "c40"], "size": 8, "frames": 4, "box_scale": 1.3}
    infos = [item for kind, item in process_video(item, settings, faces.FullFrameDetector())
             if kind == "info"]
    assert infos == [{"item": "original/x", "mismatch": {"raw": 8, "c23": 6, "c40": 6}}]
