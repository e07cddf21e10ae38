"""Multi-view attention distillation (ADD, Le & Woo, AAAI 2022, Sec. 3.3, eqs. 4-9, Algorithm 1).

The cell -> bin map along a projection depends only on the grid and the projection, so one map
per projection (`BINNINGS`: "count", equal counts in rank order, `cell_rank`; "interval",
equal-width intervals of the projected position, `cell_interval`) serves every sample of both
models. The cells sit at their centres in the unit cube, or at their integer indices as in the
authors' code (`COORDINATES`, `grid_projections`). Binning is a product with one sparse 0/1
matrix (`assignment_product`), forward and, per input, backward, so a frozen teacher costs
nothing."""

import sys

import numpy as np
import tensorflow as tf

from add_tf.core.config import MV_BINNINGS, MV_COORDINATES, LossConfig
from add_tf.losses.cell_rank import cell_interval, cell_rank


def _seed_pair(seed, salt):
    """A stateless-RNG seed `(2,)` int32 from an int or a `(2,)` seed, mixed with `salt`."""
    seed = tf.cast(tf.convert_to_tensor(seed), tf.int32)
    if seed.shape.rank == 0:
        return tf.stack([seed, tf.constant(salt, tf.int32)])
    return tf.stack([seed[0] + salt * 7919, seed[1]])


def random_projections(num_projections, seed=None):
    """`(K, 3)` float32 unit vectors uniform on the sphere (normalised Gaussian draws).

    `seed`: None (global RNG, fresh every call) or an int / `(2,)` int tensor (stateless)."""
    shape = (int(num_projections), 3)
    if seed is None:
        g = tf.random.normal(shape, dtype=tf.float32)
    else:
        g = tf.random.stateless_normal(shape, seed=_seed_pair(seed, 1), dtype=tf.float32)
    return g / tf.maximum(tf.norm(g, axis=-1, keepdims=True), 1e-12)


def attention_density(features):
    """Eq. 4: `P = A^2 / ||A||_F^2` per sample, flattened row-major over (H, W, C): `(B, H*W*C)`.
    An all-zero map gives P = 0 (the denominator is floored at 1e-30)."""
    a = tf.cast(features, tf.float32)

    @tf.custom_gradient
    def density(a):
        a2 = tf.square(a)
        scale = 1.0 / tf.maximum(tf.reduce_sum(a2, axis=1, keepdims=True), 1e-30)
        p = a2 * scale
        # dP_i/dA_k = 2 A_k (delta_ik - P_i) / sum A^2: four elementwise passes instead of
        # autodiff's seven.
        return p, lambda dp: 2.0 * scale * a * (dp - tf.reduce_sum(dp * p, axis=1, keepdims=True))

    return density(tf.reshape(a, (tf.shape(a)[0], -1)))


# Both constants are tuned for a 2-core CPU, measured on a 2-vCPU AMD EPYC VM at ResNet50's
# layer2 (1.6 M ones); re-measure on other machines (`benchmarks/step_speed.py`, and
# `assignment_product` alone at that shape).
CHUNK_COLUMNS = 16  # columns per sparse product (its CPU kernel slows down from 32 columns on)
PARALLEL_CHUNKS = 2  # chunks multiplied side by side (`tf.map_fn`): one per core


def index_pairs(rows, cols):
    """`(nnz, 2)` int32 `[row, col]` from `(nnz,)` int32 `rows` (numpy) and `cols` (tensor),
    both non-negative: each pair as one int64 read back as two int32 (3x faster than `tf.stack`
    on CPU)."""
    rows, cols = rows.astype(np.int64), tf.cast(cols, tf.int64)
    if sys.byteorder == "little":  # the first int32 of an int64 holds its low word
        packed = tf.bitwise.bitwise_or(tf.bitwise.left_shift(cols, 32), rows)
    else:
        packed = tf.bitwise.bitwise_or(cols, rows << 32)
    return tf.bitcast(packed, tf.int32)


def assignment_product(pairs, shape, x, transpose):
    """`x A` (transpose=False: x `(M, R)` -> `(M, S)`) or `x A^T` (`(M, S)` -> `(M, R)`) for the
    0/1 matrix A `(R, S)` with ones at `pairs` (`(nnz, 2)` int32 `[row, col]`, sorted by row).

    SparseTensorDenseMatMul on `CHUNK_COLUMNS` columns of x^T at a time, `PARALLEL_CHUNKS` of
    them side by side: in row order it reads each row of the big side once and adds it into the
    small side (cache resident). Its CPU kernel switches to a much slower code path from 32
    columns on (ResNet50's layer2, 1.6 M ones: 13-17 ms for 16-24 columns, 100-170 ms for 32),
    hence the chunks. Under XLA, which has no kernel for it, a gather and an
    `unsorted_segment_sum`, which XLA fuses."""
    if tf.__internal__.get_enclosing_xla_context() is not None:
        rows, cols = pairs[:, 0], pairs[:, 1]
        source, target, size = (rows, cols, shape[1]) if not transpose else (cols, rows, shape[0])
        sums = tf.math.unsorted_segment_sum(tf.gather(tf.transpose(x), source), target, size)
        return tf.transpose(sums)
    num_rows = tf.shape(x)[0]
    chunks = -(-num_rows // CHUNK_COLUMNS)
    x = tf.pad(x, [[0, chunks * CHUNK_COLUMNS - num_rows], [0, 0]])
    # (chunks, R or S, CHUNK_COLUMNS)
    x = tf.transpose(tf.reshape(x, (chunks, CHUNK_COLUMNS, -1)), (0, 2, 1))
    ones = tf.ones(tf.shape(pairs)[:1], x.dtype)
    dense_shape = np.array(shape, np.int64)

    def product(chunk):
        return tf.raw_ops.SparseTensorDenseMatMul(
            a_indices=pairs, a_values=ones, a_shape=dense_shape, b=chunk, adjoint_a=not transpose
        )

    y = tf.map_fn(product, x, parallel_iterations=PARALLEL_CHUNKS)
    return tf.reshape(tf.transpose(y, (0, 2, 1)), (chunks * CHUNK_COLUMNS, -1))[:num_rows]


def count_bins(height, width, channels, projections, num_bins):
    """Bin of each cell, `(K, N)` int32: the cells ranked `j*G .. (j+1)*G - 1` along a projection
    (`cell_rank`) form bin j, `G = N / num_bins` (N = H*W*C must be divisible by num_bins)."""
    num_cells = height * width * channels
    if num_cells % num_bins:
        raise ValueError(
            f"H*W*C = {num_cells} is not divisible by num_bins. Received: num_bins={num_bins}"
        )
    return cell_rank(height, width, channels, projections) // (num_cells // num_bins)


# The cell -> bin maps of the MV loss, by the names of MV_BINNINGS ("count": equal counts in
# projected order; "interval": equal-width intervals of the projected position):
# `f(H, W, C, projections (K, 3), g)` -> `(K, H*W*C)` int32.
BINNINGS = dict(zip(MV_BINNINGS, (count_bins, cell_interval), strict=True))


# Where the cells of the (channel, height, width) grid sit for the projections: "unit", their
# centres in the unit cube (every axis weighs alike); "index", the integer indices (c, h, w) of
# the authors' code, where the channel axis, C - 1 long, outweighs the two others
# (|theta_c| (C-1) > |theta_h| (H-1) + |theta_w| (W-1)) in all but 15 % of random directions at
# 128 x 16 x 16 (ResNet18's layer2 on 128-pixel faces), all but 4 % at 512 x 16 x 16.
# Each maps (H, W, C) to the scale of the (channel, height, width) axes over the unit cube; by
# the names of MV_COORDINATES.
COORDINATES = dict(zip(MV_COORDINATES, (
    lambda height, width, channels: (1.0, 1.0, 1.0),  # unit
    lambda height, width, channels: (channels, height, width),  # index
), strict=True))


def grid_projections(projections, height, width, channels, coordinates):
    """`projections` `(K, 3)` over (channel, height, width) -> `(K, 3)` float64 as seen by the
    binnings, which place the cells in the unit cube: unchanged for "unit", `theta * (C, H, W)`
    for "index" (`<theta, (c, h, w)> = <theta * (C, H, W), ((c+.5)/C, (h+.5)/H, (w+.5)/W)> -
    const`, so the order and the intervals of the cells are those of the integer indices, up to
    the float64 rounding of the keys: exact ties of integer keys, which random directions do not
    produce, may be broken differently)."""
    scale = np.float64(COORDINATES[coordinates](height, width, channels))
    return tf.cast(projections, tf.float64) * scale


def bin_densities(student, teacher, bins, num_bins):
    """Sum the masses of the student's and the teacher's densities `(B, N)` into the bins of
    each projection (`bins`, `(K, N)` int32 in `[0, num_bins)`, see `BINNINGS`): two
    `(B, K, num_bins)`; a bin no cell falls into is 0.

    A product with the 0/1 assignment matrix A `(N, K*num_bins)`, one 1 per (cell, projection),
    listed cell by cell (`assignment_product`), for each input separately; backward, each cell
    sums the K bin gradients it fell into (`dv A^T`), again per input, so a teacher that needs no
    gradient costs nothing. Nothing of size K x N x B is materialised."""
    num_projections, num_cells = bins.shape
    bins = bins + np.arange(num_projections, dtype=np.int32)[:, None] * num_bins  # (K, N)
    # (N*K,): cell by cell
    cells = np.repeat(np.arange(num_cells, dtype=np.int32), num_projections)
    pairs = index_pairs(cells, tf.reshape(tf.transpose(bins), (-1,)))
    shape = (num_cells, num_projections * num_bins)

    def to_bins(p):  # (B, N) -> (B, K, num_bins)
        binned = assignment_product(pairs, shape, p, transpose=False)
        return tf.reshape(binned, (-1, num_projections, num_bins))

    @tf.custom_gradient
    def _bin(p_s, p_t):
        def grad(dv_s, dv_t):
            return tuple(
                assignment_product(
                    pairs, shape, tf.reshape(dv, (tf.shape(dv)[0], -1)), transpose=True
                )
                for dv in (dv_s, dv_t)
            )

        return (to_bins(p_s), to_bins(p_t)), grad

    return _bin(student, teacher)


def _require_choice(option, value, choices):
    if value not in choices:
        raise ValueError(
            f"Unknown MV {option}. Valid: {', '.join(choices)}. Received: {option}={value!r}"
        )


def _binned_pair(student, teacher, projections, num_bins, binning, coordinates):
    _require_choice("binning", binning, BINNINGS)
    _require_choice("coordinates", coordinates, COORDINATES)
    student = tf.convert_to_tensor(student)
    teacher = tf.convert_to_tensor(teacher)
    shape = student.shape
    if shape.rank != 4 or teacher.shape[1:] != shape[1:] or None in shape[1:]:
        raise ValueError(
            "student and teacher must be (B, H, W, C) with equal static H, W, C. "
            f"Received: student.shape={student.shape}, teacher.shape={teacher.shape}"
        )
    height, width, channels = int(shape[1]), int(shape[2]), int(shape[3])
    num_bins = int(num_bins or max(channels // 2, 1))
    if projections.shape.rank != 2 or projections.shape[0] is None or projections.shape[1] != 3:
        raise ValueError(
            f"projections must be (K, 3) with static K. Received: shape={projections.shape}"
        )
    projections = grid_projections(projections, height, width, channels, coordinates)
    bins = BINNINGS[binning](height, width, channels, projections, num_bins)
    num_cells = height * width * channels
    density_s = tf.ensure_shape(attention_density(student), (None, num_cells))
    density_t = tf.ensure_shape(attention_density(teacher), (None, num_cells))
    return bin_densities(density_s, density_t, bins, num_bins)


def _swd(v_a, v_b):
    """Mean over projections of `sum_j (v_a - v_b)^2`: `(B, K, g)` x2 -> `(B,)`."""
    return tf.reduce_mean(tf.reduce_sum(tf.square(v_a - v_b), axis=2), axis=1)


def sliced_wasserstein(student, teacher, projections, num_bins=None, binning="count",
                       coordinates="unit"):
    """Sliced Wasserstein distance between the attention densities, eqs. 4-8 / Alg. 1: `(B,)`.

    student, teacher: `(B, H, W, C)`; projections: `(K, 3)` unit vectors over (channel, height,
    width); num_bins: g, default `C // 2`. For each projection, sum the masses of
    `P = A^2 / sum A^2` into g bins along the projected position of the cells, `binning`
    (`BINNINGS`): "count", g consecutive groups of equal size `H*W*C / g` in projected order (see
    `cell_rank`), or "interval", g equal-width intervals of the projected position (see
    `cell_interval`), the cells at `coordinates` (`COORDINATES`); cost
    `sum_j (v_S[j] - v_T[j])^2`; mean over K. theta = (1, 0, 0) with g = C/2 and "count" gives
    channel-pair attention (channels 2j, 2j+1 -> bin j).
    """
    projections = tf.convert_to_tensor(projections, tf.float32)
    v_s, v_t = _binned_pair(student, teacher, projections, num_bins, binning, coordinates)
    return _swd(v_s, v_t)


def _pick(mask, scores):
    """Index of the highest-scoring True entry of each row of `mask` (B, B); -1 scores elsewhere."""
    return tf.argmax(tf.where(mask, scores, -1.0), axis=1, output_type=tf.int32)


def multi_view_attention_loss(
    student, teacher, labels, num_projections=LossConfig.num_projections,
    gamma=LossConfig.gamma_mv, eta=LossConfig.eta_mv, margin=LossConfig.margin, seed=None,
    binning=LossConfig.mv_binning, coordinates=LossConfig.mv_coordinates,
):
    """Multi-view attention loss L_MV, eq. 9. Returns a float32 scalar.

    `gamma * mean_b SWD(S_b, T_b)
     + eta * (mean_b SWD(S_b, T_b+) + mean_b max(margin - SWD(S_b, T_b-), 0))`
    with K = num_projections fresh uniform projections, T_b+ the teacher feature of a random other
    sample of the same class (itself when it is alone in its class) and T_b- of a random sample of
    the opposite class; a one-class batch has no negative term. `labels`: `(B,)` ints.
    `seed`: None (global RNG) or an int / `(2,)` int tensor for stateless, reproducible draws
    (XLA-compiled functions draw other, equally reproducible, numbers for the same seed).
    eta = 0 skips the contrastive pairs. `binning`, `coordinates`: see `sliced_wasserstein`.
    """
    projections = random_projections(num_projections, seed)
    v_s, v_t = _binned_pair(student, teacher, projections, None, binning, coordinates)
    loss = gamma * tf.reduce_mean(_swd(v_s, v_t))
    if isinstance(eta, (int, float)) and eta == 0:
        return loss
    labels = tf.reshape(tf.cast(labels, tf.int32), (-1,))
    batch = tf.shape(labels)[0]
    same = tf.equal(labels[:, None], labels[None, :])
    eye = tf.eye(batch, dtype=tf.bool)
    if seed is None:
        scores = tf.random.uniform((batch, batch))
    else:
        scores = tf.random.stateless_uniform((batch, batch), seed=_seed_pair(seed, 2))
    others = tf.logical_and(same, tf.logical_not(eye))
    has_other = tf.reduce_any(others, axis=1, keepdims=True)
    positive = _pick(tf.where(has_other, others, eye), scores)
    negative_mask = tf.logical_not(same)
    has_negative = tf.cast(tf.reduce_any(negative_mask, axis=1), tf.float32)
    negative = _pick(negative_mask, scores)
    d_pos = _swd(v_s, tf.gather(v_t, positive))
    d_neg = _swd(v_s, tf.gather(v_t, negative))
    hinge = tf.nn.relu(margin - d_neg) * has_negative
    neg_term = tf.reduce_sum(hinge) / tf.maximum(tf.reduce_sum(has_negative), 1.0)
    return loss + eta * (tf.reduce_mean(d_pos) + neg_term)
