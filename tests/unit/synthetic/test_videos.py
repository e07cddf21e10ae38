"""add_tf.synthetic.videos: a fake's frames carry no sensor noise where they were generated."""

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
