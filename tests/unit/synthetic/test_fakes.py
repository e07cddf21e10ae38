"""add_tf.synthetic.fakes: the kinds cycled a quarter each, a fake's own draws, the region each
kind generates, the texture kind's colour bands and the up-sampler's checkerboard."""

import numpy as np
import pytest

from add_tf.synthetic import fakes, render

SIZE = 64


@pytest.fixture
def faces():
    rng = np.random.default_rng(0)
    return render.identity(rng), render.identity(rng)


def test_kinds_are_cycled_and_each_draw_is_in_its_range():
    rng = np.random.default_rng(0)
    specs = [fakes.fake_spec(rng, index) for index in range(40)]
    assert [s["kind"] for s in specs[:5]] == ["swap", "reenact", "texture", "gan", "swap"]
    assert all(0 <= s["strength"] <= fakes.TRACE for s in specs)
    assert all(0 <= s["strength"] <= 0.1 for s in (fakes.fake_spec(rng, 0, trace=0.1)
                                                   for _ in range(10)))
    assert [fakes.get(kind).ffpp_method for kind in fakes.kinds()] == [
        "Deepfakes", "Face2Face", "NeuralTextures", "FaceShifter"]


def test_a_fake_is_its_specs_and_lower_kinds_generate_below_inner_ones(faces):
    target, source = faces
    spec = fakes.fake_spec(np.random.default_rng(1), 0)
    rows = np.mgrid[0:SIZE, 0:SIZE][0]
    centre = {}
    for kind in fakes.kinds():
        face, mask = fakes.generated(target, source, dict(spec, kind=kind), 0, SIZE)
        again, _ = fakes.generated(target, source, dict(spec, kind=kind), 0, SIZE)
        np.testing.assert_array_equal(face, again)
        assert face.shape == (SIZE, SIZE, 3) and mask.shape == (SIZE, SIZE)
        assert 0 <= mask.min() and mask.max() <= 1
        centre[fakes.get(kind).region] = (mask * rows).sum() / mask.sum()
    assert centre["lower"] > centre["inner"] + 3  # the mouth and chin, below the inner face


def test_the_texture_kind_quantises_its_colours_in_bands_of_its_strength(faces):
    target, source = faces
    spec = dict(fakes.fake_spec(np.random.default_rng(2), 0), strength=0.3, checker=0.0)
    step = 2.0 + 10.0 * 0.3
    for kind, banded in (("texture", True), ("swap", False)):
        face, _ = fakes.generated(target, source, dict(spec, kind=kind), 0, SIZE)
        assert np.allclose(face / step, np.round(face / step)) == banded, kind


def test_the_checkerboard_is_the_2_pixel_pattern():
    board = fakes.checkerboard(4)
    assert board[0].tolist() == [1, -1, 1, -1] and board[1].tolist() == [-1, 1, -1, 1]
    assert fakes.checkerboard(SIZE).sum() == 0


def test_checkerboard_amplitude_is_the_fakes_own_draw():
    """Every fake draws its checkerboard amplitude within CHECKER, and the generated face
    carries exactly that amplitude on top of the same face without it."""
    rng = np.random.default_rng(0)
    target, source = render.identity(rng), render.identity(rng)
    specs = [fakes.fake_spec(rng, k) for k in range(40)]
    low, high = fakes.CHECKER
    assert all(low <= spec["checker"] <= high for spec in specs)
    assert np.ptp([spec["checker"] for spec in specs]) > (high - low) / 2
    yy, xx = np.mgrid[0:64, 0:64]
    sign = np.repeat(np.where((xx + yy) % 2 == 0, 1.0, -1.0)[..., None], 3, axis=-1)
    for spec in specs[:4]:
        with_it, _ = fakes.generated(target, source, spec, 0, 64)
        without, _ = fakes.generated(target, source, dict(spec, checker=0.0), 0, 64)
        np.testing.assert_allclose(with_it - without, sign * spec["checker"], atol=1e-3)
