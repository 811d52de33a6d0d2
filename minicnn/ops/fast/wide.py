"""Convolution, bias, ReLU and max-pooling for layers with many filters and channels:
the matrix-product kernels of conv_pool.py (the MNIST model's second layer).

With hundreds of multiply-adds per output (kh*kw*C) and tens of filters, one matrix
product per block of images runs near the CPU's peak, where the direct kernels would
not (direct.py). So, a block of a few images at a time:
- ``pack``: im2col, only for the conv outputs some pooling window reads, in the order
  (offset (i, j) in the window, image, pooled row a, pooled column c). The whole
  batch's im2col matrix would not stay in the cache; a block's does.
- one matrix product per block, z = cols @ W2 (BLAS), then ``pool``: the bias, the
  maximum over the offsets (vectorised over the filters, contiguous in z's rows), the
  ReLU, and the winning offset as int8 (-1 where p is 0).
- ``backward``: dL/dz is nonzero only at the winners, a quarter of the positions (for
  2x2 windows) or fewer. For each window offset of each pooled position, the input
  window (one im2col row: kh runs of kw*C contiguous numbers) is copied once, and for
  each filter that won there, dL/dp times it is added into dW's row and dL/dp times
  W's column into the window's gradient, which is added back once: no im2col matrix,
  no matrix product. (Two matrix products per block, dW += cols.T @ dz and dz @ W2.T,
  ran at the CPU's peak but did four times the multiply-adds: no faster on the MNIST
  model's second layer, slower on the galaxy model's; benchmarks/choices.py, section
  wide.)

Each kernel's NumPy definition is the textbook's composition (conv_pool.py), which
tests/test_fused_ops.py checks them against. x is taken padded (the convolution's
padding), as reference.im2col takes it.
"""
import numpy as np

from minicnn.ops.fast.compiled import kernel, vector_kernel

# numbers in a block's im2col matrix: 1 MiB of float32, for a few images at a time
BLOCK_NUMBERS = 1 << 18


class Geometry:
    """x_padded_shape (N, Hp, Wp, C), w_shape, strides, pool_size (its strides equal
    to it) and the pooling's pads (top, bottom, left, right): conv (OH, OW), pooled
    (PH, PW), origin (ph*pw, 2) int64: the z row and column of offset (i, j) in the
    window at pooled (0, 0), (i - top, j - left); block: images per block."""

    def __init__(self, x_padded_shape, w_shape, strides, pool_size, pool_pads):
        _, hp, wp, c = x_padded_shape
        kh, kw, _, _ = w_shape
        (sh, sw), (ph, pw), (pt, pb, pl, pr) = strides, pool_size, pool_pads
        self.conv = ((hp - kh) // sh + 1, (wp - kw) // sw + 1)
        self.pooled = ((self.conv[0] + pt + pb - ph) // ph + 1,
                       (self.conv[1] + pl + pr - pw) // pw + 1)
        self.origin = np.array([(i - pt, j - pl) for i in range(ph) for j in range(pw)],
                               np.int64)
        per_image = len(self.origin) * self.pooled[0] * self.pooled[1] * kh * kw * c
        self.block = max(1, BLOCK_NUMBERS // per_image)

    def rows(self, images):
        """Rows of the im2col matrix of a block of ``images`` images."""
        return len(self.origin) * images * self.pooled[0] * self.pooled[1]


@kernel
def pack(x, kh, kw, sh, sw, ph, pw, origin, conv_h, conv_w, pooled_h, pooled_w, cols):
    """im2col of the conv outputs the pooling windows read: x (n, Hp, Wp, C) padded
    -> cols (ph*pw * n * PH * PW, kh*kw*C), written in place: row ((o*n + b)*PH + a)*PW
    + c holds the window of the z at row a*ph + origin[o, 0], column c*pw +
    origin[o, 1] (reference.im2col's row); zero for a z outside the conv output."""
    n, hp, wp, c_count = x.shape
    span = kw * c_count
    for o in range(origin.shape[0]):
        for b in range(n):
            image = x[b].reshape(hp, wp * c_count)
            for a in range(pooled_h):
                oh = a * ph + origin[o, 0]
                for c in range(pooled_w):
                    ow = c * pw + origin[o, 1]
                    row = cols[((o * n + b) * pooled_h + a) * pooled_w + c]
                    if oh < 0 or oh >= conv_h or ow < 0 or ow >= conv_w:
                        row[:] = 0
                        continue
                    for i in range(kh):
                        source = image[oh * sh + i, ow * sw * c_count:]
                        target = row[i * span:]
                        for m in range(span):
                            target[m] = source[m]


@vector_kernel
def pool(z, bias, ph, pw, origin, conv_h, conv_w, top, at, p, argmax):
    """The pooling of a block's z = cols @ W2 (rows as pack wrote them): p (n, PH, PW,
    F) = max over the window's offsets of max(z + bias, 0), and argmax (n, PH, PW, F)
    int8 = the winning offset (the first maximum in scan order), -1 where p is 0;
    top (F,) and at (F,) int32 are scratch. Returns whether a z was NaN or infinite."""
    n, pooled_h, pooled_w, f_count = p.shape
    total = z.dtype.type(0)
    for b in range(n):
        for a in range(pooled_h):
            for c in range(pooled_w):
                top[:] = -np.inf
                at[:] = 0
                for o in range(origin.shape[0]):
                    oh, ow = a * ph + origin[o, 0], c * pw + origin[o, 1]
                    if oh < 0 or oh >= conv_h or ow < 0 or ow >= conv_w:
                        continue
                    row = z[((o * n + b) * pooled_h + a) * pooled_w + c]
                    for f in range(f_count):
                        v = row[f] + bias[f]
                        total += v
                        better = v > top[f]
                        top[f] = v if better else top[f]
                        at[f] = o if better else at[f]
                out, won = p[b, a, c], argmax[b, a, c]
                for f in range(f_count):
                    positive = top[f] > 0
                    out[f] = top[f] if positive else 0
                    won[f] = at[f] if positive else -1
    return (total - total) != 0  # NaN for NaN and for +-inf


@vector_kernel
def backward(x, wt_t, kh, kw, sh, sw, ph, pw, origin, grad_p, argmax, window, share, winners,
             grad_wt, grad_b, grad_x):
    """The gradients of a run of images from the winners only: x (n, Hp, Wp, C) padded;
    wt_t (F, T) = w.reshape(T, F).T; grad_p, argmax (n, PH, PW, F); window, share (T,)
    and winners (F,) int64: scratch. Adds dL/dW, as (F, T), into grad_wt and dL/db
    into grad_b (F,) float64; when grad_x has images (n, Hp, Wp, C), writes the padded
    input gradient there. Definition: the textbook's backward of the composition
    (dz = dL/dp at each window's winner where p > 0, zero elsewhere; then
    reference.conv2d_backward(dz)), as sums over the winners alone."""
    n, hp, wp, c_count = x.shape
    _, pooled_h, pooled_w, f_count = grad_p.shape
    span, taps = kw * c_count, wt_t.shape[1]
    input_grad = grad_x.shape[0] > 0
    for b in range(n):
        image = x[b].reshape(hp, wp * c_count)
        grad_image = image  # not written unless input_grad
        if input_grad:
            grad_x[b] = 0
            grad_image = grad_x[b].reshape(hp, wp * c_count)
        for a in range(pooled_h):
            for c in range(pooled_w):
                won, grads = argmax[b, a, c], grad_p[b, a, c]
                for o in range(origin.shape[0]):
                    count = 0  # the filters whose window this offset won
                    for f in range(f_count):
                        if won[f] == o and grads[f] != 0:
                            winners[count] = f
                            count += 1
                    if count == 0:
                        continue
                    # the window, one im2col row: kh runs of kw*C numbers of x
                    top = (a * ph + origin[o, 0]) * sh
                    left = (c * pw + origin[o, 1]) * sw * c_count
                    for i in range(kh):
                        source, target = image[top + i, left:], window[i * span:]
                        for m in range(span):
                            target[m] = source[m]
                    share[:] = 0
                    for k in range(count):
                        f = winners[k]
                        g = grads[f]
                        grad_b[f] += g
                        dw = grad_wt[f]
                        for m in range(taps):
                            dw[m] += g * window[m]
                        if input_grad:  # the window's gradient: W's rows times dL/dz
                            weights = wt_t[f]
                            for m in range(taps):
                                share[m] += g * weights[m]
                    if input_grad:
                        for i in range(kh):
                            dx, source = grad_image[top + i, left:], share[i * span:]
                            for m in range(span):
                                dx[m] += source[m]
