"""add_tf.media.encoding: libx264's assembly limited to AVX2 on AVX-512 CPUs only, the caller's
options kept; no video from no frames."""

import pytest

from add_tf.media import encoding


@pytest.mark.parametrize("avx512,given,expected", [
    (True, None, {"x264-params": "asm=avx2"}),
    (True, {"crf": "23", "x264-params": "keyint=8"}, {"crf": "23",
                                                      "x264-params": "keyint=8:asm=avx2"}),
    (True, {"x264-params": "asm=sse2"}, {"x264-params": "asm=sse2"}),
    (False, {"crf": "23"}, {"crf": "23"}),
])
def test_x264_options(monkeypatch, avx512, given, expected):
    monkeypatch.setattr(encoding, "_cpu_has", lambda feature: avx512)
    before = dict(given or {})
    assert encoding.x264_options(given) == expected
    assert (given or {}) == before  # a new dict: the caller's is left alone


def test_no_frames_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(ValueError, match="none.mp4"):
        encoding.write_video(tmp_path / "none.mp4", [])
    assert not list(tmp_path.iterdir())
