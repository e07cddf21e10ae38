"""Where each cell of a (channel, height, width) grid falls along projections (ADD eqs. 5-7 /
Algorithm 1): its rank, without a sort (`cell_rank`), or its equal-width interval of the
projected position (`cell_interval`)."""

import numpy as np
import tensorflow as tf

CUMSUM_BLOCK = 32


def cumulative_sum(x):
    """Inclusive cumulative sum of a float32 `(R, L)` along axis 1, L a multiple of
    `CUMSUM_BLOCK`, as two small matmuls (within blocks, then over the block totals): ~4x faster
    than `tf.cumsum` on CPU. Exact for integers while every partial sum stays below 2**24
    (checked by `cell_rank`)."""
    length, block = x.shape[1], CUMSUM_BLOCK
    blocks = length // block
    upper = np.triu(np.ones((block, block), np.float32))
    within = tf.einsum("rab,bc->rac", tf.reshape(x, (-1, blocks, block)), upper)
    strictly_upper = np.triu(np.ones((blocks, blocks), np.float32), 1)
    before = tf.einsum("ra,ac->rc", within[:, :, -1], strictly_upper)
    return tf.reshape(within + before[:, :, None], (-1, length))


def cell_rank(height, width, channels, projections):
    """Rank of each grid cell along each projection, `(K, H*W*C)` int32 (row-major (H, W, C)
    cells). `projections`: `(K, 3)` with static K.

    Cell `(h, w, c)` sits at `((c+0.5)/C, (h+0.5)/H, (w+0.5)/W)`; its rank is the number of cells
    before it when all are sorted by `<theta, position>` ascending, ties by flat index. No sort:
    the cells of one grid column p = (h, w) lie on an arithmetic progression
    `key(p, c) = o_p + delta * (c + 0.5)` with the same step `delta = theta_c / C` for every
    column, so the number of cells of column q before cell (p, c) is `clamp(c + lead_pq, 0, C)`
    with one integer `lead_pq = ceil((o_p - o_q) / |delta|)` per pair of columns (+1 on an exact
    tie when q < p; channels counted from the top when delta < 0; +-C when delta = 0), a function
    of the offset p - q only (computed once per offset, `(2H-1)(2W-1)` of them, and gathered).
    Summed over q this is piecewise linear in c: its slope is built from 2 events per (p, q) and
    two cumulative sums, `O(K * (P^2 + N))` integer work for `P = H*W` columns and `N = P*C`
    cells, instead of K sorts of N float64 keys (1.5 M keys on ResNet50's layer2).
    Ties are exact where the decomposition is exact (equal offsets, theta_c = 0,
    theta = (1,0,0)); keys that differ only by float64 rounding (as exact ties of integer
    coordinates can, `multiview.grid_projections`) may be ordered differently from a float64
    sort.
    """
    num_cols, num_projections = height * width, projections.shape[0]
    # slope events sit at positions 1..C+1 of one row, padded to whole cumulative-sum blocks
    row_length = -(-(channels + 2) // CUMSUM_BLOCK) * CUMSUM_BLOCK
    if num_cols * row_length >= 2**24:
        raise ValueError(
            "H*W*C must be below ~2**24 (exact float32 counts). "
            f"Received: H, W, C = {height}, {width}, {channels}"
        )
    theta = tf.cast(projections, tf.float64)
    lead = _column_leads(height, width, channels, theta)  # (K, D), D = (2H-1)(2W-1) offsets
    # Column q adds one cell per step of c while 0 <= c + lead < C: slope events at
    # max(0, -lead) and min(C, C - lead), placed one further on so that the second cumulative
    # sum counts the cells before c, not up to c.
    event_positions = tf.transpose(tf.concat(
        [tf.maximum(1 - lead, 1), tf.minimum(channels + 1 - lead, channels + 1)], 0
    ))  # (D, 2K): start positions of the K projections, then their end positions
    col_h, col_w = np.divmod(np.arange(num_cols), width)
    offset_index = ((col_h[:, None] - col_h + height - 1) * (2 * width - 1)
                    + col_w[:, None] - col_w + width - 1)  # (P, P): offset of p - q
    rows = num_projections * num_cols
    # start of row k*P + p in the flat event array, laid out as (p, start | end, k)
    row_starts = (np.arange(num_cols)[:, None, None]
                  + np.tile(np.arange(num_projections) * num_cols, 2)) * row_length
    events = tf.reshape(row_starts + tf.gather(event_positions, offset_index), (-1,))
    signs = np.tile(np.float32([1.0, -1.0]).repeat(num_projections), num_cols * num_cols)
    slope_events = tf.math.unsorted_segment_sum(signs, events, rows * row_length)
    slope_events = tf.reshape(slope_events, (rows, row_length))
    rank = (tf.cast(_before_channel_zero(lead, height, width, channels), tf.float32)
            + cumulative_sum(cumulative_sum(slope_events))[:, :channels])  # (K*P, C)
    rank = tf.reshape(tf.cast(rank, tf.int32), (num_projections, num_cols, channels))
    rank = tf.where(theta[:, 0, None, None] < 0, tf.reverse(rank, [2]), rank)
    return tf.reshape(rank, (num_projections, -1))


def _column_leads(height, width, channels, theta):
    """`lead_pq` of `cell_rank` for every column offset (dh, dw) = p - q, row-major over
    `(2H-1) x (2W-1)`: `(K, D)` int32 in `[-C, C]`. theta: `(K, 3)` float64."""
    dh, dw = np.meshgrid(np.arange(1 - height, height), np.arange(1 - width, width),
                         indexing="ij")
    dh, dw = dh.ravel(), dw.ravel()
    gap = theta[:, 1, None] * (dh / height) + theta[:, 2, None] * (dw / width)  # o_p - o_q
    q_first = (dh > 0) | ((dh == 0) & (dw > 0))  # (D,): q before p in the flat order, wins ties
    step = tf.abs(theta[:, 0, None]) / channels  # (K, 1)
    ratio = gap / tf.where(step > 0, step, 1.0)
    lead = tf.math.ceil(ratio)
    lead += tf.cast(tf.logical_and(tf.equal(ratio, lead), q_first), tf.float64)
    q_ahead = tf.logical_or(gap > 0, tf.logical_and(tf.equal(gap, 0.0), q_first))
    lead_flat = tf.where(q_ahead, 1.0, -1.0) * channels  # delta = 0: all of q or none of it
    lead = tf.where(step > 0, lead, tf.cast(lead_flat, tf.float64))
    lead = tf.where((dh == 0) & (dw == 0), np.float64(0.0), lead)
    return tf.cast(tf.clip_by_value(lead, -channels, channels), tf.int32)


def _before_channel_zero(lead, height, width, channels):
    """Cells before cell (p, c=0), `(K*P, 1)` int32: `clamp(lead_pq, 0, C)` summed over the
    H x W window of offsets p - q, from a summed-area table over the offset grid."""
    area = tf.reshape(tf.clip_by_value(lead, 0, channels), (-1, 2 * height - 1, 2 * width - 1))
    area = tf.pad(tf.cumsum(tf.cumsum(area, axis=1), axis=2), [[0, 0], [1, 0], [1, 0]])
    window = (area[:, height:, width:] - area[:, :height, width:]
              - area[:, height:, :width] + area[:, :height, :width])
    return tf.reshape(window, (-1, 1))


def cell_interval(height, width, channels, projections, num_bins):
    """Interval of each grid cell along each projection, `(K, H*W*C)` int32 in `[0, num_bins)`
    (row-major (H, W, C) cells; `projections` `(K, 3)`).

    With cells at `cell_rank`'s positions and `key = <theta, position>` (float64), the range
    `[min key, max key]` over the grid is cut into `num_bins` equal-width intervals:
    `floor((key - min) / (max - min) * num_bins)`, the maximum in the last one, every cell in
    interval 0 when all keys are equal. Intervals can hold unequal numbers of cells, or none."""
    theta = tf.cast(projections, tf.float64)[:, :, None, None, None]  # (K, 3, 1, 1, 1)
    channel = ((np.arange(channels) + 0.5) / channels)[None, None, :]
    row = ((np.arange(height) + 0.5) / height)[:, None, None]
    column = ((np.arange(width) + 0.5) / width)[None, :, None]
    keys = theta[:, 0] * channel + theta[:, 1] * row + theta[:, 2] * column  # (K, H, W, C)
    keys = tf.reshape(keys, (-1, height * width * channels))  # (K, N)
    low = tf.reduce_min(keys, axis=1, keepdims=True)
    span = tf.reduce_max(keys, axis=1, keepdims=True) - low
    scaled = (keys - low) / tf.where(span > 0, span, 1.0) * num_bins
    return tf.cast(tf.clip_by_value(tf.floor(scaled), 0.0, num_bins - 1.0), tf.int32)
