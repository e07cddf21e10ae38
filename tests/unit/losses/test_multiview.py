import functools

import numpy as np
import pytest
import tensorflow as tf

from add_tf.losses import (
    frequency_attention_loss,
    multi_view_attention_loss,
    random_projections,
    sliced_wasserstein,
)
from add_tf.losses.multiview import BINNINGS, attention_density, bin_densities


def numpy_keys(shape, theta, index=False):
    """Projected position of every cell of an (H, W, C) grid, row-major: the cell centres in the
    unit cube, or (index=True) the integer indices (c, h, w) as the authors' code has them."""
    h, w, c = shape
    scale = (1, 1, 1) if index else (c, h, w)
    offset = 0.0 if index else 0.5
    return np.array([sum(t * (i + offset) / n for t, i, n in zip(theta, (ci, hi, wi), scale))
                     for hi in range(h) for wi in range(w) for ci in range(c)])


def _density(a):
    p = a.astype(np.float64) ** 2
    return (p / p.sum() if p.sum() > 0 else p).ravel()


def numpy_binned(a, theta, num_bins, index=False):
    """Eqs. 4-8 / Algorithm 1 from the paper: P = A^2/||A||_F^2, cells ordered by their projected
    position, ordered masses summed into equal consecutive groups."""
    order = np.argsort(numpy_keys(a.shape, theta, index), kind="stable")
    return _density(a)[order].reshape(num_bins, -1).sum(axis=1)


def numpy_interval_binned(a, theta, num_bins, index=False):
    """Eqs. 4-8 with the cut of the authors' code: the masses of P summed over equal-width
    intervals of the projected position between its min and max over the grid."""
    keys = numpy_keys(a.shape, theta, index)
    span = keys.max() - keys.min()
    scaled = (keys - keys.min()) / (span if span > 0 else 1.0) * num_bins
    bins = np.minimum(np.floor(scaled).astype(int), num_bins - 1)
    return np.bincount(bins, weights=_density(a), minlength=num_bins)


def numpy_swd(s, t, projections, num_bins, binned=numpy_binned):
    out = []
    for i in range(s.shape[0]):
        costs = [((binned(s[i], th, num_bins) - binned(t[i], th, num_bins)) ** 2).sum()
                 for th in projections]
        out.append(np.mean(costs))
    return np.array(out)


def _data(seed, shape=(3, 3, 4, 6)):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype("float32")


def test_swd_matches_numpy():
    s, t = _data(0)
    proj = random_projections(5, seed=7).numpy().astype(np.float64)
    got = sliced_wasserstein(s, t, proj).numpy()
    np.testing.assert_allclose(got, numpy_swd(s, t, proj, 3), rtol=1e-4, atol=1e-9)
    got = sliced_wasserstein(s, t, proj, num_bins=6).numpy()
    np.testing.assert_allclose(got, numpy_swd(s, t, proj, 6), rtol=1e-4, atol=1e-9)


def test_channel_axis_projection_gives_channel_pair_attention():
    s, t = _data(1)
    got = sliced_wasserstein(s, t, [[1.0, 0.0, 0.0]]).numpy()

    def pair_attention(a):  # (B, H, W, C) -> (B, C/2): mass of channels 2j, 2j+1
        p = a.astype(np.float64) ** 2
        p /= p.sum(axis=(1, 2, 3), keepdims=True)
        per_channel = p.sum(axis=(1, 2))
        return per_channel.reshape(a.shape[0], -1, 2).sum(-1)

    expected = ((pair_attention(s) - pair_attention(t)) ** 2).sum(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_zero_for_identical_and_scale_invariant_and_zero_features():
    s, t = _data(2)
    proj = random_projections(4, seed=1)
    assert np.all(sliced_wasserstein(s, s, proj).numpy() == 0.0)
    base = sliced_wasserstein(s, t, proj).numpy()
    np.testing.assert_allclose(sliced_wasserstein(s * 37.0, t * 1e-3, proj).numpy(), base,
                               rtol=1e-4)
    zeros = np.zeros_like(s)
    assert np.all(np.isfinite(sliced_wasserstein(zeros, t, proj).numpy()))
    assert np.all(sliced_wasserstein(zeros, zeros, proj).numpy() == 0.0)


def test_gradient_matches_finite_differences():
    s, t = _data(3, (2, 2, 3, 4))
    proj = random_projections(3, seed=2)
    s64 = s.astype(np.float64)

    def f(x):
        return tf.reduce_sum(sliced_wasserstein(x, t, proj))

    theoretical, numerical = tf.test.compute_gradient(
        lambda x: f(tf.cast(x, tf.float32)), [tf.constant(s64)], delta=1e-3)
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=2e-2, atol=2e-4)


def test_batch_of_several_column_chunks_with_unknown_size():
    """19 samples: two chunks of columns (the second padded) in each sparse product, in a graph
    whose batch size is unknown; each sample is binned on its own."""
    s, t = _data(4, (19, 2, 3, 4))
    proj = random_projections(4, seed=5)

    @tf.function(input_signature=[tf.TensorSpec((None, 2, 3, 4), tf.float32)] * 2)
    def swd_and_grad(x, y):
        with tf.GradientTape() as tape:
            tape.watch(x)
            swd = sliced_wasserstein(x, y, proj)
            total = tf.reduce_sum(swd)
        return swd, tape.gradient(total, x)

    swd, grad = swd_and_grad(s, t)
    np.testing.assert_allclose(swd.numpy(), numpy_swd(s, t, proj.numpy().astype(np.float64), 2),
                               rtol=1e-4, atol=1e-9)
    one_by_one = np.concatenate([swd_and_grad(s[i:i + 1], t[i:i + 1])[1].numpy()
                                 for i in range(19)])
    np.testing.assert_allclose(grad.numpy(), one_by_one, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("binning, num_bins", [("count", None), ("interval", 5)])
def test_xla_compiled_losses_and_gradients_match_eager(binning, num_bins):
    s, t = _data(8, (2, 3, 2, 4))
    s = tf.constant(s)
    proj = random_projections(5, seed=3)

    def loss_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            swd = sliced_wasserstein(x, t, proj, num_bins=num_bins, binning=binning)
            loss = tf.reduce_sum(swd) + frequency_attention_loss(x, t)
        return loss, tape.gradient(loss, x)

    eager = loss_and_grad(s)
    compiled = tf.function(loss_and_grad, jit_compile=True)(s)
    for a, b in zip(eager, compiled):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-7)


def test_multi_view_loss_matches_eq9_with_numpy_pairs():
    s, t = _data(4, (4, 2, 2, 4))
    labels = np.array([0, 1, 0, 1])
    # eta = 0: gamma * mean SWD, projections from the same stateless seed
    got = float(multi_view_attention_loss(s, t, labels, num_projections=6, gamma=100.0, eta=0.0,
                                          seed=5))
    proj = random_projections(6, seed=5).numpy().astype(np.float64)
    np.testing.assert_allclose(got, 100.0 * numpy_swd(s, t, proj, 2).mean(), rtol=1e-4)
    # two samples per class: T+ is the other same-class sample, T- one of the two others
    full = float(multi_view_attention_loss(s, t, labels, num_projections=6, gamma=100.0, eta=50.0,
                                           margin=1.0, seed=5))
    pos = np.array([2, 3, 0, 1])
    d_pos = np.array([numpy_swd(s[i:i + 1], t[pos[i]:pos[i] + 1], proj, 2)[0] for i in range(4)])
    d_negs = [[numpy_swd(s[i:i + 1], t[j:j + 1], proj, 2)[0]
               for j in range(4) if labels[j] != labels[i]] for i in range(4)]
    base = 100.0 * numpy_swd(s, t, proj, 2).mean() + 50.0 * d_pos.mean()
    lo = base + 50.0 * np.mean([max(1.0 - max(d), 0) for d in d_negs])
    hi = base + 50.0 * np.mean([max(1.0 - min(d), 0) for d in d_negs])
    assert lo * (1 - 1e-4) <= full <= hi * (1 + 1e-4)


def test_one_class_batch_and_fresh_projections():
    s, t = _data(5, (3, 2, 2, 4))
    one_class = multi_view_attention_loss(s, t, [1, 1, 1], num_projections=4)
    assert np.isfinite(float(one_class))
    a = random_projections(1000, seed=None).numpy()
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    assert np.all(np.abs(a.mean(axis=0)) < 0.1)  # uniform on the sphere: mean near 0
    assert not np.allclose(random_projections(3).numpy(), random_projections(3).numpy())


def test_finite_for_huge_activations():
    s, t = _data(6, (2, 2, 2, 4))
    loss = multi_view_attention_loss(s * 1e18, t, [0, 1], num_projections=3, seed=1)
    assert np.isfinite(float(loss))


def test_bad_num_bins_names_the_value():
    s, t = _data(7, (1, 2, 2, 3))
    with pytest.raises(ValueError, match="num_bins=5"):
        sliced_wasserstein(s, t, [[1.0, 0.0, 0.0]], num_bins=5)


def test_count_binning_unchanged_on_a_fixed_input():
    """The values of the "count" binning before the "interval" option existed, bit for bit."""
    rng = np.random.default_rng(20240611)
    s = rng.normal(size=(3, 3, 4, 6)).astype("float32")
    t = rng.normal(size=(3, 3, 4, 6)).astype("float32")
    proj = random_projections(5, seed=11)
    expected = [float.fromhex(x) for x in ("0x1.7dfb84p-5", "0x1.e34cacp-6", "0x1.40c044p-6")]
    for binning in ({}, {"binning": "count"}):
        np.testing.assert_array_equal(sliced_wasserstein(s, t, proj, **binning).numpy(),
                                      np.float32(expected))
        loss = multi_view_attention_loss(s, t, [0, 1, 0], num_projections=5, seed=11, **binning)
        assert float(loss) == float.fromhex("0x1.16092p+2")
        x = tf.constant(s)
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(sliced_wasserstein(x, t, proj, **binning))
        grad = tape.gradient(total, x).numpy().astype(np.float64)
        assert np.abs(grad).sum() == float.fromhex("0x1.f88c353eea2p-2")


@pytest.mark.parametrize("num_bins", [3, 5, 12])
def test_interval_swd_matches_numpy(num_bins):
    s, t = _data(0)
    proj = np.concatenate([np.eye(3), [[0.0, 0.6, 0.8]],
                           random_projections(5, seed=7).numpy().astype(np.float64)])
    got = sliced_wasserstein(s, t, proj, num_bins=num_bins, binning="interval").numpy()
    expected = numpy_swd(s, t, proj.astype(np.float32).astype(np.float64), num_bins,
                         numpy_interval_binned)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-9)
    loss = multi_view_attention_loss(s, t, [0, 1, 0], num_projections=6, eta=0.0, seed=5,
                                     binning="interval")
    proj = random_projections(6, seed=5).numpy().astype(np.float64)
    np.testing.assert_allclose(float(loss), 100.0 * numpy_swd(s, t, proj, 3,
                                                              numpy_interval_binned).mean(),
                               rtol=1e-4)


def test_interval_bins_keep_the_mass_and_empty_ones_are_zero():
    a = np.random.default_rng(9).normal(size=(2, 1, 1, 4)).astype("float32")
    bins = BINNINGS["interval"](1, 1, 4, tf.constant([[1.0, 0.0, 0.0]]), 8)  # cells -> 0, 2, 5, 7
    p = attention_density(a)
    v, _ = bin_densities(p, p, bins, 8)
    expected = np.zeros((2, 8), np.float32)
    expected[:, [0, 2, 5, 7]] = p.numpy()
    np.testing.assert_allclose(v.numpy()[:, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(v.numpy().sum(axis=-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("shape, num_bins, proj", [
    ((2, 2, 3, 4), None, None),
    ((2, 1, 1, 4), 8, [[1.0, 0.0, 0.0]]),  # empty bins
])
def test_interval_gradient_is_finite_and_matches_finite_differences(shape, num_bins, proj):
    s, t = _data(3, shape)
    proj = random_projections(3, seed=2) if proj is None else tf.constant(proj)

    def f(x):
        return tf.reduce_sum(sliced_wasserstein(tf.cast(x, tf.float32), t, proj,
                                                num_bins=num_bins, binning="interval"))

    theoretical, numerical = tf.test.compute_gradient(f, [tf.constant(s.astype(np.float64))],
                                                      delta=1e-3)
    assert np.all(np.isfinite(theoretical[0]))
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=2e-2, atol=2e-4)
    zeros = tf.zeros(shape)
    with tf.GradientTape() as tape:
        tape.watch(zeros)
        loss = multi_view_attention_loss(zeros, t, [0, 1], num_projections=3, seed=1,
                                         binning="interval")
    assert np.isfinite(float(loss)) and np.all(np.isfinite(tape.gradient(loss, zeros).numpy()))


@pytest.mark.parametrize("binning, reference", [("count", numpy_binned),
                                                ("interval", numpy_interval_binned)])
def test_index_coordinates_match_numpy(binning, reference):
    s, t = _data(4, (2, 3, 4, 8))
    proj = random_projections(6, seed=3).numpy().astype(np.float64)
    got = sliced_wasserstein(s, t, proj, binning=binning, coordinates="index").numpy()
    expected = numpy_swd(s, t, proj, 4, functools.partial(reference, index=True))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-9)
    unit = sliced_wasserstein(s, t, proj, binning=binning).numpy()
    assert np.abs(got - unit).max() > 1e-3  # the convention matters on this grid
    loss = multi_view_attention_loss(s, t, [0, 1], num_projections=6, eta=0.0, seed=3,
                                     binning=binning, coordinates="index")
    np.testing.assert_allclose(float(loss), 100.0 * got.mean(), rtol=1e-5)


def test_unknown_coordinates_list_the_valid_ones():
    s, t = _data(7, (1, 2, 2, 4))
    with pytest.raises(ValueError, match="Valid: unit, index. Received: coordinates='integer'"):
        sliced_wasserstein(s, t, [[1.0, 0.0, 0.0]], coordinates="integer")


def test_unknown_binning_lists_the_valid_ones():
    s, t = _data(7, (1, 2, 2, 4))
    with pytest.raises(ValueError, match="Valid: count, interval. Received: binning='quantile'"):
        sliced_wasserstein(s, t, [[1.0, 0.0, 0.0]], binning="quantile")
