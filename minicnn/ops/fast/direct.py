"""Convolution, bias, ReLU and max-pooling in one pass, for layers with few multiply-adds
per output: the direct kernels of conv_pool.py (no im2col, no matrix product, no conv
output kept).

The textbook computes z = conv(x, w) + b, y = max(z, 0), then p = the maximum of each
pooling window of y. Here, for each pooled position (a, c) and each offset (i, j)
inside its window, the conv output at row a*ph + i - pt, column c*pw + j - pl is
computed straight from the input, the window's maximum is taken over the offsets, then
the ReLU: p = max(max over (i, j) of z, 0) (the ReLU and the maximum commute). Only p
and the winning offset (``argmax``, int8: i*pw + j, or -1 where p is 0 and no gradient
flows) are kept; z never leaves a small buffer.

Why it is fast: vectorised over positions, not filters. The input is split by phase
(``split``): with the period (Sr, Sc) = (sh*ph, sw*pw) of a pooled position,

    planes[ch, rp, cp, R, q] = x[R*Sr + rp - mr, q*Sc + cp - mc, ch]   (zero outside x)

so that tap (ti, tj, ch) at offset (i, j) reads, for all pooled positions (a, c) at once,
one contiguous run of a (rp, cp) plane; an image's planes lie end to end, and the table
``start`` (by offset and tap) says where each run starts. Rows of the pooled output are
laid end to end with their full length Q (its last Q - PW columns are padding, never
used), so a whole image is one run of ``positions`` = PH * Q numbers. The margins
(mr, mc) shift the pooling's and the convolution's padding into the planes.
- forward: image by image, the split, then for each offset z[f, k] = b[f] + sum over
  taps of w[t, f] * run_t[k], four taps per pass over z (one load and store of z per
  four multiply-adds), on chunks of positions that stay in the L1 cache, and the
  running maximum over the offsets.
- backward: dL/dz is nonzero only at each window's winner: dz[(i, j), f, k] = dL/dp
  where argmax is (i, j). dW[t, f] = sum over offsets of the dot product of
  dz[(i, j), f] with run_t (four taps at once), db = the sum of dL/dp over winners,
  and the input gradient is added run by run into planes of its own, then put back
  in place (``merge``).

Each kernel handles a run of images; the phase split is kept from forward to
backward (it is x, rearranged). Every kernel's NumPy definition is the textbook's
composition of reference.conv2d_forward, the ReLU and reference.maxpool2d_forward,
which tests/test_fused_ops.py checks them against.
"""
import numpy as np

from minicnn.ops.fast.compiled import kernel, vector_kernel
from minicnn.ops.windows import output_size

# The forward computes a block of at most FILTER_BLOCK filters over a chunk of rows
# of pooled positions at a time, CHUNK_NUMBERS numbers of z, so that z, the running
# maximum and its offset stay in the L1 cache (benchmarks/choices.py, section chunk)
FILTER_BLOCK = 8
CHUNK_NUMBERS = 2048


class Geometry:
    """Where every number of the fused convolution and pooling lives (module docstring).

    x_shape (N, H, W, C), w_shape (kh, kw, C, F), strides (sh, sw), pads (top, bottom,
    left, right) of the convolution, pool_size (ph, pw) with strides equal to it, and
    the pooling's pads. Attributes: pooled (PH, PW), conv (OH, OW), period (Sr, Sc),
    margin (mr, mc), length Q, rows (plane rows, one spare), planes (C * Sr * Sc),
    plane_size (rows * Q), positions (PH * Q);
    start (ph*pw, T4) int64: where tap t's run for offset o starts in an image's
    planes laid end to end, (plane * rows + row) * Q + column (taps padded to a
    multiple of 4 with runs from 0);
    valid (ph*pw, positions) bool: whether that offset's z is inside the conv output
    and its column is not padding; masked: whether some real position's z is outside
    (the pooling's padding, or the conv output's edge), so that the forward looks at
    valid; copies (G, 5) int64: split's runs (copy_table).
    """

    def __init__(self, x_shape, w_shape, strides, pads, pool_size, pool_pads):
        _, h, w, c = x_shape
        kh, kw, _, f = w_shape
        (sh, sw), (top, bottom, left, right) = strides, pads
        (ph, pw), (pt, pb, pl, pr) = pool_size, pool_pads
        self.conv = (output_size(h + top + bottom, kh, sh), output_size(w + left + right, kw, sw))
        self.pooled = (output_size(self.conv[0] + pt + pb, ph, ph),
                       output_size(self.conv[1] + pl + pr, pw, pw))
        sr, sc = self.period = (sh * ph, sw * pw)
        self.margin = (pt * sh + top, pl * sw + left)
        row_reach = ((ph - 1) * sh + kh - 1) // sr
        col_reach = ((pw - 1) * sw + kw - 1) // sc
        self.length = self.pooled[1] + col_reach
        self.rows = self.pooled[0] + row_reach + 1
        self.planes = c * sr * sc
        self.plane_size = self.rows * self.length
        self.positions = self.pooled[0] * self.length
        offsets = [(i, j) for i in range(ph) for j in range(pw)]
        taps = [(ti, tj, ch) for ti in range(kh) for tj in range(kw) for ch in range(c)]
        # taps padded to a multiple of four (forward and backward take four a pass): the
        # extra ones read from the planes' start, with weight zero (padded_weights)
        self.taps = len(taps)
        self.start = np.zeros((len(offsets), -(-len(taps) // 4) * 4), np.int64)
        for o, (i, j) in enumerate(offsets):
            for t, (ti, tj, ch) in enumerate(taps):
                er, ec = i * sh + ti, j * sw + tj  # input row and column, margins included
                plane = (ch * sr + er % sr) * sc + ec % sc
                self.start[o, t] = plane * self.plane_size + (er // sr) * self.length + ec // sc
        a = np.arange(self.pooled[0])[:, None]
        q = np.arange(self.length)[None, :]
        self.valid = np.empty((len(offsets), self.positions), bool)
        for o, (i, j) in enumerate(offsets):
            rows, columns = a * ph + i - pt, q * pw + j - pl
            self.valid[o] = ((rows >= 0) & (rows < self.conv[0]) & (columns >= 0)
                             & (columns < self.conv[1]) & (q < self.pooled[1])).ravel()
        real = np.arange(self.positions) % self.length < self.pooled[1]
        self.masked = not self.valid[:, real].all()
        self.filter_block = min(f, FILTER_BLOCK)
        # rows of pooled positions per chunk of the forward
        self.chunk_rows = max(1, min(self.pooled[0],
                                     CHUNK_NUMBERS // (self.filter_block * self.length)))
        self.copies = copy_table(h, w, c, sr, sc, *self.margin, self.rows, self.length)

    def split_shape(self, n):
        """planes of n images, each image's laid end to end: (n, P * rows * Q)."""
        return (n, self.planes * self.plane_size)

    def padded_weights(self, w):
        """w (kh, kw, C, F) as the forward reads it: (T4, F), the taps padded with zeros."""
        wt = np.zeros((self.start.shape[1], w.shape[3]), w.dtype)
        wt[:self.taps] = w.reshape(self.taps, -1)
        return wt


def copy_table(h, w, c, sr, sc, mr, mc, rows, length):
    """The runs split copies, one per (rp, ch, cp): (G, 5) int64 rows (target, source,
    first row, end row, count): for each plane row R in [first, end), ``count`` numbers
    go to target + R*length, +1 each, from x's image (flattened) at source +
    R*(Sr*W*C), +Sc*C each: the q of a plane row whose column q*Sc + cp - mc lies in x."""
    table = []
    plane_size = rows * length
    for rp in range(sr):
        first_row = max(0, -(-(mr - rp) // sr))  # x row R*Sr + rp - mr >= 0
        end_row = min(rows, max(first_row, -(-(h + mr - rp) // sr)))  # and < h
        for ch in range(c):
            for cp in range(sc):
                first = min(length, max(0, -(-(mc - cp) // sc)))
                last = min(length, max(first, -(-(w + mc - cp) // sc)))
                plane = (ch * sr + rp) * sc + cp
                source = (rp - mr) * w * c + (first * sc + cp - mc) * c + ch
                table.append((plane * plane_size + first, source, first_row, end_row,
                              last - first))
    return np.array(table, np.int64).reshape(-1, 5)


# -- the phase split and its adjoint ------------------------------------------------------------
@kernel
def split_image(image, copies, length, row_step, step, planes):
    """One image, flattened: image (H*W*C,) -> planes (P*rows*Q,):
    planes[((ch*Sr + rp)*Sc + cp)*rows*Q + R*Q + q] = x[R*Sr + rp - mr, q*Sc + cp - mc, ch]
    for every x number (copies: Geometry.copies; row_step = Sr*W*C, step = Sc*C); the
    other plane numbers (outside x) are not written: the caller keeps them zero (a
    buffer made of zeros, used for this geometry only)."""
    for g in range(copies.shape[0]):
        target, source, first, end, count = copies[g]
        for r in range(first, end):
            t, s = target + r * length, source + r * row_step
            for q in range(count):
                planes[t + q] = image[s + q * step]


@kernel
def merge_image(planes, copies, length, row_step, step, image):
    """The adjoint of split_image (its transpose: each x number is one plane number):
    planes (P*rows*Q,) -> image (H*W*C,), every number written; x numbers beyond the
    planes' reach (no window reads them) get zero."""
    image[:] = 0
    for g in range(copies.shape[0]):
        target, source, first, end, count = copies[g]
        for r in range(first, end):
            t, s = target + r * length, source + r * row_step
            for q in range(count):
                image[s + q * step] = planes[t + q]


@kernel
def split(x, copies, length, row_step, step, planes):
    """split_image of each image: x (n, H*W*C) -> planes (n, P*rows*Q)."""
    for b in range(x.shape[0]):
        split_image(x[b], copies, length, row_step, step, planes[b])


@kernel
def merge(planes, copies, length, row_step, step, x):
    """merge_image of each image: planes (n, P*rows*Q) -> x (n, H*W*C)."""
    for b in range(x.shape[0]):
        merge_image(planes[b], copies, length, row_step, step, x[b])


# -- forward ------------------------------------------------------------------------------------
@vector_kernel
def forward(x, copies, row_step, step, planes, start, valid, masked, wt, bias, chunk_rows, z,
            best, where, p, argmax):
    """Fused convolution, bias, ReLU and max-pooling of a run of images.

    x (n, H*W*C), split image by image into planes (n, P*rows*Q) (split_image's
    arguments: the split stays in the cache for the convolution, and is kept for the
    backward); start (ph*pw, T4), valid (ph*pw, positions) and masked from Geometry;
    wt (T4, F) = w.reshape(T, F) and T4 - T rows of zeros; bias (F,); z, best (B,
    chunk_rows*Q) and where (B, chunk_rows*Q) int32: scratch for a block of B
    filters. Writes p (n, PH, PW, F) and argmax (n, F, positions) int8. Definition:
    with z = conv(x, w) + b (reference.conv2d_forward), p =
    reference.maxpool2d_forward(max(z, 0)), argmax the winning offset i*pw + j (the
    first maximum in scan order), or -1 where p is 0 and at padding columns.
    Returns whether a z was NaN or infinite (then the caller computes the textbook's
    way, whose NaN rule it keeps)."""
    n = planes.shape[0]
    offsets, taps = start.shape
    f_count, block = wt.shape[1], z.shape[0]
    _, ph_count, pw_count, _ = p.shape
    length = argmax.shape[2] // ph_count
    total = z.dtype.type(0)  # the sum of every z: NaN or infinite when one of them is
    for b in range(n):
        split_image(x[b], copies, length, row_step, step, planes[b])
        source, out = planes[b], p[b]
        for a0 in range(0, ph_count, chunk_rows):
            a1 = min(a0 + chunk_rows, ph_count)
            k0, kk = a0 * length, (a1 - a0) * length
            for f0 in range(0, f_count, block):
                fb = min(block, f_count - f0)
                for g in range(fb):
                    top = best[g]
                    for m in range(kk):
                        top[m] = -np.inf
                for o in range(offsets):
                    # z of this offset for the block's filters: the bias, then four taps a
                    # pass (one load and one store of z for four multiply-adds)
                    for g in range(fb):
                        zg, first = z[g], bias[f0 + g]
                        for m in range(kk):
                            zg[m] = first
                    for t in range(0, taps, 4):
                        s0 = source[start[o, t] + k0:]
                        s1 = source[start[o, t + 1] + k0:]
                        s2 = source[start[o, t + 2] + k0:]
                        s3 = source[start[o, t + 3] + k0:]
                        for g in range(fb):
                            f = f0 + g
                            w0, w1, w2, w3 = wt[t, f], wt[t + 1, f], wt[t + 2, f], wt[t + 3, f]
                            zg = z[g]
                            for m in range(kk):
                                zg[m] += w0 * s0[m] + w1 * s1[m] + w2 * s2[m] + w3 * s3[m]
                    # the window's running maximum, in scan order (strictly greater wins); z
                    # outside the conv output (masked) never wins, nor counts in total
                    ok = valid[o, k0:]
                    for g in range(fb):
                        zg, top, at = z[g], best[g], where[g]
                        for m in range(kk):
                            v = zg[m] if ok[m] or not masked else -np.inf
                            total += v if ok[m] or not masked else 0
                            better = v > top[m]
                            top[m] = v if better else top[m]
                            at[m] = o if better else at[m]
                # the ReLU: p = max(top, 0); no gradient flows where it is 0
                for g in range(fb):
                    won, top, at = argmax[b, f0 + g, k0:], best[g], where[g]
                    for m in range(kk):
                        won[m] = at[m] if top[m] > 0 else -1
                    for a in range(a1 - a0):
                        for c in range(pw_count, length):  # padding columns
                            won[a * length + c] = -1
                for a in range(a0, a1):
                    for c in range(pw_count):
                        m = (a - a0) * length + c
                        for g in range(fb):
                            v = best[g, m]
                            out[a, c, f0 + g] = v if v > 0 else 0
    return (total - total) != 0  # NaN for NaN and for +-inf


# -- backward -----------------------------------------------------------------------------------
@vector_kernel
def backward(planes, start, wt, grad_p, argmax, gathered, dz, grad_wt, grad_b, grad_planes):
    """The gradients of forward for a run of images: adds dL/dW (T4, F) into grad_wt
    (the padding taps' rows are not dW's) and dL/db (F,) into grad_b (both float64),
    and when grad_planes has images (n, P*rows*Q), writes the input gradient there,
    by phase (merge puts it in place). planes as forward split them; start (ph*pw,
    T4) from Geometry; wt (T, F) = w.reshape(T, F).

    grad_p (n, PH, PW, F) = dL/dp; argmax as forward wrote it; gathered (F, positions)
    and dz (ph*pw, F, positions): scratch. Definition: the textbook's backward of the
    composition: dz = dL/dp at each window's winner where p > 0, zero elsewhere; then
    reference.conv2d_backward(dz)."""
    n = planes.shape[0]
    offsets, padded = start.shape
    taps, f_count = wt.shape
    _, ph_count, pw_count, _ = grad_p.shape
    positions = argmax.shape[2]
    length = positions // ph_count
    f4 = f_count - f_count % 4
    input_grad = grad_planes.shape[0] > 0
    # a typed constant: sums started from a number known only at run time are not
    # vectorised (2.4x slower here)
    zero = dz.dtype.type(0)
    for b in range(n):
        g_in = grad_p[b]
        for f in range(f_count):
            g, won = gathered[f], argmax[b, f]
            for a in range(ph_count):
                for c in range(pw_count):
                    g[a * length + c] = g_in[a, c, f]
                for c in range(pw_count, length):
                    g[a * length + c] = 0
            total = 0.0
            for k in range(positions):
                v = g[k] if won[k] >= 0 else 0
                g[k] = v
                total += v
            grad_b[f] += total
            for o in range(offsets):
                d = dz[o, f]
                for k in range(positions):
                    d[k] = g[k] if won[k] == o else 0
        source = planes[b]
        for o in range(offsets):
            for t in range(0, padded, 4):  # the padding taps' sums are not read
                s0 = source[start[o, t]:]
                s1 = source[start[o, t + 1]:]
                s2 = source[start[o, t + 2]:]
                s3 = source[start[o, t + 3]:]
                for f in range(f_count):
                    d = dz[o, f]
                    a0 = a1 = a2 = a3 = zero
                    for k in range(positions):
                        dk = d[k]
                        a0 += dk * s0[k]
                        a1 += dk * s1[k]
                        a2 += dk * s2[k]
                        a3 += dk * s3[k]
                    grad_wt[t, f] += a0
                    grad_wt[t + 1, f] += a1
                    grad_wt[t + 2, f] += a2
                    grad_wt[t + 3, f] += a3
        if not input_grad:
            continue
        target = grad_planes[b]
        target[:] = 0
        for o in range(offsets):
            for t in range(taps):
                run = target[start[o, t]:]
                for f in range(0, f4, 4):
                    d0, d1, d2, d3 = dz[o, f], dz[o, f + 1], dz[o, f + 2], dz[o, f + 3]
                    w0, w1, w2, w3 = wt[t, f], wt[t, f + 1], wt[t, f + 2], wt[t, f + 3]
                    for k in range(positions):
                        run[k] += w0 * d0[k] + w1 * d1[k] + w2 * d2[k] + w3 * d3[k]
                for f in range(f4, f_count):
                    d0, w0 = dz[o, f], wt[t, f]
                    for k in range(positions):
                        run[k] += w0 * d0[k]
