"""add_tf.synthetic.render: an identity per draw, the frame and its masks, the inner features
and the expression each changing their own region only, the lighting field."""

import numpy as np

from add_tf.synthetic import render


def _two(seed=0):
    rng = np.random.default_rng(seed)
    return render.identity(rng), render.identity(rng)


def test_an_identity_is_its_draw():
    one, other = _two()
    again, _ = _two()
    assert all(np.array_equal(one[key], again[key]) for key in ("skin", "phase", "light"))
    assert not np.array_equal(one["skin"], other["skin"])


def test_a_frame_is_pixels_and_masks_of_its_size():
    ident, _ = _two()
    image, masks = render.render(ident, ident, 0, 48)
    assert image.shape == (48, 48, 3) and 0 <= image.min() and image.max() <= 255
    assert set(masks) == {"inner", "lower"}
    for mask in masks.values():
        assert mask.shape == (48, 48) and 0 <= mask.min() and mask.max() <= 1 and mask.sum() > 20
    again, _ = render.render(ident, ident, 0, 48)
    np.testing.assert_array_equal(image, again)
    moved, _ = render.render(ident, ident, 5, 48)
    assert not np.array_equal(image, moved)  # the face moves with the frame index


def test_anothers_features_change_the_inner_face_and_an_expression_the_mouth_only():
    target, source = _two()
    base, masks = render.render(target, target, 3, 256)
    features, _ = render.render(target, source, 3, 256)
    changed = np.abs(features - base).max(axis=-1) > 0
    assert changed.sum() > 500 and (changed & (masks["inner"] > 0)).sum() >= 0.95 * changed.sum()
    expression, _ = render.render(target, target, 3, 256, expression=source)
    changed = np.abs(expression - base).max(axis=-1) > 0
    assert changed.sum() > 50 and not (changed & (masks["lower"] == 0)).any()


def test_light_is_the_gain_along_a_ramp_in_the_lights_direction():
    ident, _ = _two()
    flat = render.light(ident, 8, (1.2, 0.0, 0.0))
    np.testing.assert_allclose(flat, 1.2)
    ramp = render.light(ident, 8, (1.0, 0.0, 0.4))[..., 0]  # light from the right (+x)
    assert (np.diff(ramp, axis=1) > 0).all() and np.allclose(np.diff(ramp, axis=0), 0)
    assert render.light(ident, 8).shape == (8, 8, 1)
