"""Conv2D with ReLU followed by MaxPooling2D, as one op of the fast rung.

    p, cache = forward(x, w, b, strides, pads, pool_size, pool_pads, buffers)
    grad_x, grad_w, grad_b = backward(grad_p, cache, input_grad)

The definition is the textbook's composition (tests/test_fused_ops.py checks it):

    z, conv_cache = reference.conv2d_forward(x, w, b, strides, pads)
    y = activations.forward("relu", z)
    p, pool_cache = reference.maxpool2d_forward(y, pool_size, pool_size, pool_pads)

and its backward the textbook's backwards in reverse order. No layer calls this op:
the fast training step chooses it for a Conv2D(activation="relu") followed by a
MaxPooling2D whose windows do not overlap, at most 127 offsets each (the argmax is
int8; parallel/plan.py), and writes the layers' gradients as their own backwards
would.

What it saves: the conv output y (N, H', W', F) is never stored, only the pooled p
(a quarter of it, for 2x2 windows) and the winning offset of each window (int8); the
backward's dL/dz is nonzero only at the winners. How it computes:
- few multiply-adds per output (kh*kw*C up to DIRECT_MAX_TAPS: the X-ray model's
  layers, the first layers of the galaxy and MNIST models): direct.py, no im2col and no
  matrix product, vectorised over output positions, on the input split by phase (kept
  from forward to backward).
- more (the MNIST model's second layer, the galaxy model's): wide.py, im2col for a few
  images at a time and one matrix product each, the pooling in its epilogue, and a
  backward summed over the windows' winners.
- an input or weights holding NaN or infinity: the unfused fast ops, one after the
  other, so the textbook's NaN rule holds exactly (a window holding a NaN outputs NaN;
  its gradient goes to the first NaN).
Every large array lives in ``buffers`` (buffers.py): allocated once per shape.
"""
from collections import namedtuple

import numpy as np

from minicnn import activations
from minicnn.ops import fast
from minicnn.ops.fast import buffers as buffers_module
from minicnn.ops.fast import convolution, direct, wide
from minicnn.ops.windows import unpad_hw
from minicnn.parallel.blas import one_blas_thread
from minicnn.parallel.pool import MULTIPLY_ADDS_PER_ELEMENT, parallel_for, parallel_sum

DirectCache = namedtuple("DirectCache", "geometry w with_bias planes argmax x_shape buffers")
WideCache = namedtuple("WideCache", "geometry w with_bias strides pool_size x_padded argmax pads "
                                    "buffers")
UnfusedCache = namedtuple("UnfusedCache", "conv y pool")

# The direct kernels for up to this many multiply-adds per output (kh*kw*C), the
# matrix products beyond (benchmarks/choices.py, section fused, measures both on the
# lessons' layers)
DIRECT_MAX_TAPS = 64


def by_direct(w_shape):
    """Whether a kernel of shape (kh, kw, C, F) takes the direct kernels (else wide.py)."""
    kh, kw, c, _ = w_shape
    return kh * kw * c <= DIRECT_MAX_TAPS


def forward(x, w, b, strides, pads, pool_size, pool_pads, buffers=None, direct_way=by_direct):
    """x (N, H, W, C), w (kh, kw, C, F), b (F,) or None -> (p (N, PH, PW, F), cache):
    p = maxpool(max(conv(x, w) + b, 0)), the pool's strides being its size.
    ``direct_way(w.shape)`` chooses the direct kernels or the wide ones (tests force
    either)."""
    buffers = buffers_module.Buffers() if buffers is None else buffers
    x = np.ascontiguousarray(x)
    w = w.astype(x.dtype, copy=False)
    if not (np.isfinite(w).all() and (b is None or np.isfinite(b).all())):
        return _unfused_forward(x, w, b, strides, pads, pool_size, pool_pads)
    if not direct_way(w.shape):
        with one_blas_thread():  # its matrix products: OpenBLAS's idle threads spin
            return _wide_forward(x, w, b, strides, pads, pool_size, pool_pads, buffers)
    n, (h, width, c), f = len(x), x.shape[1:], w.shape[3]
    dtype = x.dtype
    geometry = _geometry(buffers, direct.Geometry, x.shape, w.shape, strides, pads, pool_size,
                         pool_pads)
    planes = buffers.get("planes", geometry.split_shape(n), dtype, zeros=True)
    p = buffers.get("pooled", (n,) + geometry.pooled + (f,), dtype)
    argmax = buffers.get("argmax", (n, f, geometry.positions), np.int8)
    wt = geometry.padded_weights(w)
    bias = np.zeros(f, dtype) if b is None else b.astype(dtype, copy=False)
    scratch = (geometry.filter_block, geometry.chunk_rows * geometry.length)
    flat = x.reshape(n, -1)
    steps = (geometry.period[0] * width * c, geometry.period[1] * c)  # split's row_step, step
    bad = []

    def piece(start, stop):
        z = buffers.get(f"z{start}", scratch, dtype)
        best = buffers.get(f"best{start}", scratch, dtype)
        where = buffers.get(f"where{start}", scratch, np.int32)
        if direct.forward(flat[start:stop], geometry.copies, *steps, planes[start:stop],
                          geometry.start, geometry.valid, geometry.masked, wt, bias,
                          geometry.chunk_rows, z, best, where, p[start:stop],
                          argmax[start:stop]):
            bad.append(start)
    parallel_for(n, piece, work=n * geometry.start.size * geometry.positions * f
                 // MULTIPLY_ADDS_PER_ELEMENT)
    if bad:
        return _unfused_forward(x, w, b, strides, pads, pool_size, pool_pads)
    return p, DirectCache(geometry, w, b is not None, planes, argmax, x.shape, buffers)


def backward(grad_p, cache, input_grad=True):
    """The gradients of forward from dL/dp (N, PH, PW, F): (grad_x (N, H, W, C) or None
    when not input_grad, grad_w like w, grad_b (F,) or None without bias)."""
    if isinstance(cache, UnfusedCache):
        return _unfused_backward(grad_p, cache, input_grad)
    if isinstance(cache, WideCache):
        return _wide_backward(grad_p, cache, input_grad)
    geometry, w, with_bias, planes, argmax, x_shape, buffers = cache
    dtype = planes.dtype
    grad_p = np.ascontiguousarray(grad_p, dtype=dtype)
    (n, h, width, c), f = x_shape, w.shape[3]
    offsets, padded = geometry.start.shape
    taps = geometry.taps
    wt = np.ascontiguousarray(w.reshape(-1, f))
    steps = (geometry.period[0] * width * c, geometry.period[1] * c)
    grad_planes = buffers.get("grad_planes", planes.shape, dtype) if input_grad else \
        np.empty((0, planes.shape[1]), dtype)
    grad_x = buffers.get("grad_x", x_shape, dtype) if input_grad else None

    def piece(start, stop):
        gathered = buffers.get(f"gathered{start}", (f, geometry.positions), dtype)
        dz = buffers.get(f"dz{start}", (offsets, f, geometry.positions), dtype)
        grad_wt, grad_b = np.zeros((padded, f)), np.zeros(f)
        direct.backward(planes[start:stop], geometry.start, wt, grad_p[start:stop],
                        argmax[start:stop], gathered, dz, grad_wt, grad_b,
                        grad_planes[start:stop] if input_grad else grad_planes)
        if input_grad:
            direct.merge(grad_planes[start:stop], geometry.copies, geometry.length, *steps,
                         grad_x[start:stop].reshape(stop - start, -1))
        return np.concatenate([grad_wt[:taps].ravel(), grad_b])
    sums = parallel_sum(n, piece, work=n * offsets * geometry.positions * taps * f
                        // MULTIPLY_ADDS_PER_ELEMENT)
    grad_w = sums[:taps * f].reshape(w.shape).astype(dtype)
    grad_b = sums[taps * f:].astype(dtype) if with_bias else None
    return grad_x, grad_w, grad_b


def _geometry(buffers, made, *shapes):
    """made(*shapes) (a direct.Geometry or a wide.Geometry), kept in buffers: built
    once per shape. The buffers' arrays belong to one geometry (split keeps the
    planes' margins zero)."""
    key = (made,) + shapes
    cached = getattr(buffers, "geometry", None)
    if cached is None or cached[0] != key:
        buffers.clear()
        buffers.geometry = (key, made(*shapes))
    return buffers.geometry[1]


# -- many filters and channels: one matrix product per block of images (wide.py) -----------------
def _wide_forward(x, w, b, strides, pads, pool_size, pool_pads, buffers):
    n, dtype = len(x), x.dtype
    (kh, kw, _, f), (sh, sw), (ph, pw) = w.shape, strides, pool_size
    if any(pads):  # the padded input, kept for the backward; its margins stay zero
        top, bottom, left, right = pads
        shape = (n, x.shape[1] + top + bottom, x.shape[2] + left + right, x.shape[3])
        x_padded = buffers.get("padded", shape, dtype, zeros=True)
        x_padded[:, top:top + x.shape[1], left:left + x.shape[2]] = x
    else:
        x_padded = x
    geometry = _geometry(buffers, wide.Geometry, x_padded.shape, w.shape, strides, pool_size,
                         pool_pads)
    (conv_h, conv_w), (pooled_h, pooled_w) = geometry.conv, geometry.pooled
    p = buffers.get("pooled", (n, pooled_h, pooled_w, f), dtype)
    argmax = buffers.get("argmax", (n, pooled_h, pooled_w, f), np.int8)
    weights = np.ascontiguousarray(w.reshape(-1, f))
    bias = np.zeros(f, dtype) if b is None else b.astype(dtype, copy=False)
    bad = []

    def piece(start, stop):
        size = min(geometry.block, stop - start)
        cols = buffers.get(f"cols{start}", (geometry.rows(size), len(weights)), dtype)
        z = buffers.get(f"z{start}", (geometry.rows(size), f), dtype)
        top = buffers.get(f"top{start}", (f,), dtype)
        at = buffers.get(f"at{start}", (f,), np.int32)
        for first in range(start, stop, geometry.block):
            last = min(first + geometry.block, stop)
            rows = geometry.rows(last - first)
            wide.pack(x_padded[first:last], kh, kw, sh, sw, ph, pw, geometry.origin, conv_h,
                      conv_w, pooled_h, pooled_w, cols[:rows])
            np.matmul(cols[:rows], weights, out=z[:rows])
            if wide.pool(z[:rows], bias, ph, pw, geometry.origin, conv_h, conv_w, top, at,
                         p[first:last], argmax[first:last]):
                bad.append(first)
    parallel_for(n, piece, work=geometry.rows(n) * weights.size // MULTIPLY_ADDS_PER_ELEMENT)
    if bad:
        return _unfused_forward(x, w, b, strides, pads, pool_size, pool_pads)
    return p, WideCache(geometry, w, b is not None, strides, pool_size, x_padded, argmax, pads,
                        buffers)


def _wide_backward(grad_p, cache, input_grad):
    """The gradients of _wide_forward, summed over the windows' winners alone."""
    geometry, w, with_bias, (sh, sw), (ph, pw), x_padded, argmax, pads, buffers = cache
    dtype = x_padded.dtype
    grad_p = np.ascontiguousarray(grad_p, dtype=dtype)
    n, (kh, kw, _, f) = len(grad_p), w.shape
    weights_t = np.ascontiguousarray(w.reshape(-1, f).T)
    grad_x = (buffers.get("grad_x", x_padded.shape, dtype) if input_grad else
              np.empty((0,) + x_padded.shape[1:], dtype))

    def piece(start, stop):
        grad_wt, grad_b = np.zeros(weights_t.shape, dtype), np.zeros(f)
        window = buffers.get(f"window{start}", (weights_t.shape[1],), dtype)
        share = buffers.get(f"share{start}", (weights_t.shape[1],), dtype)
        winners = buffers.get(f"winners{start}", (f,), np.int64)
        wide.backward(x_padded[start:stop], weights_t, kh, kw, sh, sw, ph, pw, geometry.origin,
                      grad_p[start:stop], argmax[start:stop], window, share, winners, grad_wt,
                      grad_b, grad_x[start:stop] if input_grad else grad_x)
        return np.concatenate([grad_wt.ravel(), grad_b])
    sums = parallel_sum(n, piece, work=grad_p.size * weights_t.shape[1] * (2 if input_grad else 1)
                        // MULTIPLY_ADDS_PER_ELEMENT)
    grad_w = sums[:weights_t.size].reshape(weights_t.shape).T.reshape(w.shape).astype(dtype)
    grad_b = sums[weights_t.size:].astype(dtype) if with_bias else None
    return (unpad_hw(grad_x, pads) if input_grad else None), grad_w, grad_b


# -- NaN and infinity: the textbook's composition, on the fast ops -------------------------------
def _unfused_forward(x, w, b, strides, pads, pool_size, pool_pads):
    z, conv_cache = convolution.forward(x, w, b, strides, pads)
    y = activations.forward("relu", z)
    p, pool_cache = fast.maxpool2d_forward(y, pool_size, pool_size, pool_pads)
    return p, UnfusedCache(conv_cache, y, pool_cache)


def _unfused_backward(grad_p, cache, input_grad):
    grad_y = fast.maxpool2d_backward(np.ascontiguousarray(grad_p), cache.pool)
    grad_z = activations.backward("relu", grad_y, cache.y)
    return convolution.backward(grad_z, cache.conv, input_grad)
