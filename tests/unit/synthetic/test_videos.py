import numpy as np

from add_tf.synthetic import fakes, render, videos


def test_fake_has_no_sensor_noise_where_it_was_generated():
    """Two noise draws of one fake agree inside the generated region of every kind (no sensor
    noise there: the raw trace) and differ outside it."""
    rng = np.random.default_rng(0)
    target, source = render.identity(rng), render.identity(rng)
    for kind in fakes.kinds():
        spec = dict(fakes.fake_spec(rng, 0), kind=kind)
        _, mask = fakes.generated(target, source, spec, 0, 64)
        one, two = (videos.frames(target, source, spec, 64, 1, np.random.default_rng(n))[0]
                    for n in (1, 2))
        diff = np.abs(one.astype(int) - two.astype(int)).max(axis=-1)
        assert (mask > 0.999).sum() > 100, kind
        assert diff[mask > 0.999].max() <= 1, kind
        assert diff[mask < 0.001].mean() > 1, kind


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
