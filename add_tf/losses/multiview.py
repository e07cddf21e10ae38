"""Multi-view attention distillation (ADD, Le & Woo, AAAI 2022, Sec. 3.3, eqs. 4-9, Algorithm 1).

The binning of a density over the (channel, height, width) grid along a projection only depends
on the grid shape and the projection, not on the data: the cell ranks (`cell_rank`, computed
from the grid's structure without sorting) are shared by every sample of the student and the
teacher. Masses are summed in rank order in consecutive equal groups (linear in P), and the
backward pass sums, for each cell, the gradients of the K bins it fell into; both are products
with one sparse 0/1 assignment matrix (`assignment_product`), the backward one per input so a
frozen teacher costs nothing."""

import sys

import numpy as np
import tensorflow as tf


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
        # dP_i/dA_k = 2 A_k (delta_ik - P_i) / sum A^2: four elementwise passes instead of autodiff's seven.
        return p, lambda dp: 2.0 * scale * a * (dp - tf.reduce_sum(dp * p, axis=1, keepdims=True))

    return density(tf.reshape(a, (tf.shape(a)[0], -1)))


CUMSUM_BLOCK = 32


def cumulative_sum(x):
    """Inclusive cumulative sum of a float32 `(R, L)` along axis 1, L a multiple of `CUMSUM_BLOCK`,
    as two small matmuls (within blocks, then over the block totals): ~4x faster than `tf.cumsum`
    on CPU. Exact for integers while every partial sum stays below 2**24 (checked by `cell_rank`)."""
    length, block = x.shape[1], CUMSUM_BLOCK
    blocks = length // block
    within = tf.einsum("rab,bc->rac", tf.reshape(x, (-1, blocks, block)), np.triu(np.ones((block, block), np.float32)))
    before = tf.einsum("ra,ac->rc", within[:, :, -1], np.triu(np.ones((blocks, blocks), np.float32), 1))
    return tf.reshape(within + before[:, :, None], (-1, length))


def cell_rank(height, width, channels, projections):
    """Rank of each grid cell along each projection, `(K, H*W*C)` int32 (row-major (H, W, C) cells).
    `projections`: `(K, 3)` with static K.

    Cell `(h, w, c)` sits at `((c+0.5)/C, (h+0.5)/H, (w+0.5)/W)`; its rank is the number of cells
    before it when all are sorted by `<theta, position>` ascending, ties by flat index. No sort:
    the cells of one grid column p = (h, w) lie on an arithmetic progression
    `key(p, c) = o_p + delta * (c + 0.5)` with the same step `delta = theta_c / C` for every column,
    so the number of cells of column q before cell (p, c) is `clamp(c + e_pq, 0, C)` with one
    integer `e_pq = ceil((o_p - o_q) / |delta|)` per pair of columns (+1 on an exact tie when q < p;
    channels counted from the top when delta < 0; +-C when delta = 0), a function of the offset
    p - q only (computed once per offset, `(2H-1)(2W-1)` of them, and gathered). Summed over q this
    is piecewise linear in c: its slope is built from 2 events per (p, q) and two cumulative sums,
    `O(K * (P^2 + N))` integer work for `P = H*W` columns and `N = P*C` cells, instead of K sorts
    of N float64 keys (1.5 M keys on ResNet50's layer2).
    Ties are exact where the decomposition is exact (equal offsets, theta_c = 0, theta = (1,0,0));
    keys that differ only by float64 rounding may be ordered differently from a float64 sort.
    """
    num_cols, num_projections = height * width, projections.shape[0]
    row_length = -(-(channels + 2) // CUMSUM_BLOCK) * CUMSUM_BLOCK  # event positions 1..C+1 of one row
    if num_cols * row_length >= 2**24:
        raise ValueError(f"H*W*C must be below ~2**24 (exact float32 counts). Received: H, W, C = {height}, {width}, {channels}")
    theta = tf.cast(projections, tf.float64)
    # o_p - o_q depends only on the column offset (dh, dw) = p - q: work on the (2H-1) x (2W-1) offsets.
    dh, dw = np.meshgrid(np.arange(1 - height, height), np.arange(1 - width, width), indexing="ij")
    dh, dw = dh.ravel(), dw.ravel()
    gap = theta[:, 1, None] * (dh / height) + theta[:, 2, None] * (dw / width)  # (K, D): o_p - o_q
    q_first = (dh > 0) | ((dh == 0) & (dw > 0))  # (D,): q comes before p in the flat order, wins ties
    step = tf.abs(theta[:, 0, None]) / channels  # (K, 1)
    ratio = gap / tf.where(step > 0, step, 1.0)
    ahead = tf.math.ceil(ratio)
    ahead += tf.cast(tf.logical_and(tf.equal(ratio, ahead), q_first), tf.float64)
    ahead_flat = tf.where(tf.logical_or(gap > 0, tf.logical_and(tf.equal(gap, 0.0), q_first)), 1.0, -1.0) * channels
    ahead = tf.where(step > 0, ahead, tf.cast(ahead_flat, tf.float64))
    e = tf.cast(tf.clip_by_value(tf.where((dh == 0) & (dw == 0), np.float64(0.0), ahead), -channels, channels), tf.int32)
    # Column q adds one cell per step of c while 0 <= c + e < C: slope events at max(0, -e), min(C, C - e),
    # placed one further on so that the second cumulative sum counts the cells before c, not up to c.
    bounds = tf.transpose(tf.concat([tf.maximum(1 - e, 1), tf.minimum(channels + 1 - e, channels + 1)], 0))  # (D, 2K)
    col_h, col_w = np.divmod(np.arange(num_cols), width)
    offset_index = (col_h[:, None] - col_h + height - 1) * (2 * width - 1) + col_w[:, None] - col_w + width - 1
    rows = num_projections * num_cols
    first = (np.arange(num_cols)[:, None, None] + np.tile(np.arange(num_projections) * num_cols, 2)) * row_length
    events = tf.reshape(first + tf.gather(bounds, offset_index), (-1,))  # (p, q, start | end, k): row k*P + p
    signs = np.tile(np.float32([1.0, -1.0]).repeat(num_projections), num_cols * num_cols)
    slope_events = tf.reshape(tf.math.unsorted_segment_sum(signs, events, rows * row_length), (rows, row_length))
    # At c = 0, column q has clamp(e, 0, C) cells before: summed over the H x W window of offsets p - q.
    area = tf.reshape(tf.clip_by_value(e, 0, channels), (num_projections, 2 * height - 1, 2 * width - 1))
    area = tf.pad(tf.cumsum(tf.cumsum(area, axis=1), axis=2), [[0, 0], [1, 0], [1, 0]])  # summed-area table
    at_zero = area[:, height:, width:] - area[:, :height, width:] - area[:, height:, :width] + area[:, :height, :width]
    at_zero = tf.reshape(at_zero, (rows, 1))
    rank = tf.cast(at_zero, tf.float32) + cumulative_sum(cumulative_sum(slope_events))[:, :channels]  # (K*P, C)
    rank = tf.reshape(tf.cast(rank, tf.int32), (num_projections, num_cols, channels))
    rank = tf.where(theta[:, 0, None, None] < 0, tf.reverse(rank, [2]), rank)
    return tf.reshape(rank, (num_projections, -1))


CHUNK_COLUMNS = 16


def index_pairs(rows, cols):
    """`(nnz, 2)` int32 `[row, col]` from `(nnz,)` int32 `rows` (numpy) and `cols` (tensor), both
    non-negative: each pair as one int64 read back as two int32 (3x faster than `tf.stack` on CPU)."""
    rows, cols = rows.astype(np.int64), tf.cast(cols, tf.int64)
    if sys.byteorder == "little":  # the first int32 of an int64 holds its low word
        packed = tf.bitwise.bitwise_or(tf.bitwise.left_shift(cols, 32), rows)
    else:
        packed = tf.bitwise.bitwise_or(cols, rows << 32)
    return tf.bitcast(packed, tf.int32)


def assignment_product(pairs, shape, x, transpose):
    """`x A` (transpose=False: x `(M, R)` -> `(M, S)`) or `x A^T` (`(M, S)` -> `(M, R)`) for the
    0/1 matrix A `(R, S)` with ones at `pairs` (`(nnz, 2)` int32 `[row, col]`, sorted by row).

    SparseTensorDenseMatMul on `CHUNK_COLUMNS` columns of x^T at a time: in row order it reads
    each row of the big side once and adds it into the small side (cache resident). Its CPU kernel
    switches to a much slower code path from 32 columns on (ResNet50's layer2, 1.6 M ones: 13-17 ms
    for 16-24 columns, 100-170 ms for 32), hence the chunks. Under XLA, which has no kernel for
    it, a gather and an `unsorted_segment_sum`, which XLA fuses."""
    if tf.__internal__.get_enclosing_xla_context() is not None:
        rows, cols = pairs[:, 0], pairs[:, 1]
        source, target, size = (rows, cols, shape[1]) if not transpose else (cols, rows, shape[0])
        return tf.transpose(tf.math.unsorted_segment_sum(tf.gather(tf.transpose(x), source), target, size))
    num_rows = tf.shape(x)[0]
    chunks = -(-num_rows // CHUNK_COLUMNS)
    x = tf.pad(x, [[0, chunks * CHUNK_COLUMNS - num_rows], [0, 0]])
    x = tf.transpose(tf.reshape(x, (chunks, CHUNK_COLUMNS, -1)), (0, 2, 1))  # (chunks, R or S, CHUNK_COLUMNS)
    ones = tf.ones(tf.shape(pairs)[:1], x.dtype)
    dense_shape = np.array(shape, np.int64)

    def product(chunk):
        return tf.raw_ops.SparseTensorDenseMatMul(
            a_indices=pairs, a_values=ones, a_shape=dense_shape, b=chunk, adjoint_a=not transpose
        )

    y = tf.map_fn(product, x, parallel_iterations=2)  # two chunks at a time: one per core of a small CPU
    return tf.reshape(tf.transpose(y, (0, 2, 1)), (chunks * CHUNK_COLUMNS, -1))[:num_rows]


def bin_densities(student, teacher, rank, num_bins):
    """Sum the masses of the student's and the teacher's densities `(B, N)` in each projection's
    cell order (`rank`, `(K, N)`) into `num_bins` equal consecutive groups: two `(B, K, num_bins)`.

    Bin `(k, j)` sums the cells ranked `j*G .. (j+1)*G - 1` (G = N / num_bins): a product with the
    0/1 assignment matrix A `(N, K*num_bins)`, one 1 per (cell, projection), listed cell by cell
    (`assignment_product`), for each input separately; backward, each cell sums the K bin
    gradients it fell into (`dv A^T`), again per input, so a teacher that needs no gradient costs
    nothing. Nothing of size K x N x B is materialised."""
    num_projections, num_cells = rank.shape
    group = num_cells // num_bins
    bins = rank // group + np.arange(num_projections, dtype=np.int32)[:, None] * num_bins  # (K, N)
    cells = np.repeat(np.arange(num_cells, dtype=np.int32), num_projections)  # (N*K,): cell by cell
    pairs = index_pairs(cells, tf.reshape(tf.transpose(bins), (-1,)))
    shape = (num_cells, num_projections * num_bins)

    def to_bins(p):  # (B, N) -> (B, K, num_bins)
        return tf.reshape(assignment_product(pairs, shape, p, transpose=False), (-1, num_projections, num_bins))

    @tf.custom_gradient
    def _bin(p_s, p_t):
        def grad(dv_s, dv_t):
            return tuple(
                assignment_product(pairs, shape, tf.reshape(dv, (tf.shape(dv)[0], -1)), transpose=True)
                for dv in (dv_s, dv_t)
            )

        return (to_bins(p_s), to_bins(p_t)), grad

    return _bin(student, teacher)


def _binned_pair(student, teacher, projections, num_bins):
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
    if (height * width * channels) % num_bins:
        raise ValueError(
            f"H*W*C = {height * width * channels} is not divisible by num_bins. Received: num_bins={num_bins}"
        )
    if projections.shape.rank != 2 or projections.shape[0] is None or projections.shape[1] != 3:
        raise ValueError(f"projections must be (K, 3) with static K. Received: shape={projections.shape}")
    rank = cell_rank(height, width, channels, projections)
    num_cells = height * width * channels
    density_s = tf.ensure_shape(attention_density(student), (None, num_cells))
    density_t = tf.ensure_shape(attention_density(teacher), (None, num_cells))
    return bin_densities(density_s, density_t, rank, num_bins)


def _swd(v_a, v_b):
    """Mean over projections of `sum_j (v_a - v_b)^2`: `(B, K, g)` x2 -> `(B,)`."""
    return tf.reduce_mean(tf.reduce_sum(tf.square(v_a - v_b), axis=2), axis=1)


def sliced_wasserstein(student, teacher, projections, num_bins=None):
    """Sliced Wasserstein distance between the attention densities, eqs. 4-8 / Alg. 1: `(B,)`.

    student, teacher: `(B, H, W, C)`; projections: `(K, 3)` unit vectors over (channel, height,
    width); num_bins: g, default `C // 2`. For each projection, order the cells of
    `P = A^2 / sum A^2` by their projected position (see `cell_rank`), sum the ordered masses into
    g consecutive groups of equal size `H*W*C / g`, cost `sum_j (v_S[j] - v_T[j])^2`; mean over K.
    theta = (1, 0, 0) with g = C/2 gives channel-pair attention (channels 2j, 2j+1 -> bin j).
    """
    projections = tf.convert_to_tensor(projections, tf.float32)
    v_s, v_t = _binned_pair(student, teacher, projections, num_bins)
    return _swd(v_s, v_t)


def _pick(mask, scores):
    """Index of the highest-scoring True entry of each row of `mask` (B, B); -1 scores elsewhere."""
    return tf.argmax(tf.where(mask, scores, -1.0), axis=1, output_type=tf.int32)


def multi_view_attention_loss(
    student, teacher, labels, num_projections=12, gamma=100.0, eta=50.0, margin=0.012, seed=None
):
    """Multi-view attention loss L_MV, eq. 9. Returns a float32 scalar.

    `gamma * mean_b SWD(S_b, T_b) + eta * (mean_b SWD(S_b, T_b+) + mean_b max(margin - SWD(S_b, T_b-), 0))`
    with K = num_projections fresh uniform projections, T_b+ the teacher feature of a random other
    sample of the same class (itself when it is alone in its class) and T_b- of a random sample of
    the opposite class; a one-class batch has no negative term. `labels`: `(B,)` ints.
    `seed`: None (global RNG) or an int / `(2,)` int tensor for stateless, reproducible draws
    (XLA-compiled functions draw other, equally reproducible, numbers for the same seed).
    eta = 0 skips the contrastive pairs.
    """
    projections = random_projections(num_projections, seed)
    v_s, v_t = _binned_pair(student, teacher, projections, None)
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
