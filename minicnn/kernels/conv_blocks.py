"""Convolution by image blocks: the numba twin of reference.conv_forward and
reference.conv_backward, for layers with few filters (Conv2D.by_blocks).
"""
import numpy as np

from minicnn.kernels.compiled import kernel
from minicnn.threads import MULTIPLY_ADDS_PER_ELEMENT, parallel_for

# With few filters, im2col + one matrix product for the whole batch spends its
# time writing and rereading a matrix kh*kw times the input (3.4M numbers for
# the galaxy model's first layer), far larger than the CPU's caches, for a
# product with F <= 8 columns. Here the same arithmetic runs a few images at
# a time, each block's unfolded matrix small enough to stay in cache, where
# BLAS runs near its peak (60 GMAC/s for one galaxy image against 16 for the
# whole batch, measured). Two tricks make the unfolding cheap:
# - The batch is first split by phase: with strides (sh, sw),
#       phases[n, c, pr, pc, r, q] = x[n, r*sh + pr, q*sw + pc, c]
#   so the pixels a tap (i, j, c) reads for all outputs (oh, ow) are
#       phases[n, c, i % sh, j % sw, oh + i // sh, ow + j // sw],
#   one contiguous run of the flattened (r, q) plane, starting at
#   (i // sh) * Q + j // sw, if each output row is given the phase row's full
#   length Q (its last Q - out_w columns are padding, set to zero).
# - So the block's matrix (taps x pixels) is built from kh*kw*C long copies,
#   and the backward's input gradient is added back the same way.
# The phases are kept from forward to backward (they are x, rearranged).
# Bias and ReLU are applied as outputs are written (forward) and read
# (backward). reference.py defines both functions through im2col.
BLOCK_NUMBERS = 1 << 16  # numbers in a block's unfolded matrix: 256 KiB of float32


class Phases:
    """The input split by phase, with what the backward needs to use it."""

    def __init__(self, x, kh, kw, sh, sw, out_h, out_w):
        n, h, w, c = x.shape
        self.x_shape, self.out_w = x.shape, out_w
        # phase rows and their length (Q): as many as the windows reach
        self.rows, self.length = out_h + (kh - 1) // sh, out_w + (kw - 1) // sw
        self.pixels = out_h * self.length  # per image, padding columns included
        # one spare row: the last tap's run reaches past the last row by (kw - 1) // sw
        self.data = np.empty((n, c, sh, sw, (self.rows + 1) * self.length), dtype=x.dtype)
        # the offset of each tap's run in its (pr, pc) plane, and that plane, by tap (i, j, c)
        taps = [(i, j, ch) for i in range(kh) for j in range(kw) for ch in range(c)]
        self.plane = np.array([(ch * sh + i % sh) * sw + j % sw for i, j, ch in taps], np.int64)
        self.offset = np.array([(i // sh) * self.length + j // sw for i, j, ch in taps], np.int64)
        self.block = max(1, BLOCK_NUMBERS // (len(taps) * self.pixels))

    def buffers(self, images, rows):
        """A block's unfolded matrix (taps, block pixels), and one (r, block pixels)
        matrix for each r in rows, for a piece of ``images`` images."""
        width = min(self.block, images) * self.pixels
        dtype = self.data.dtype
        return (np.empty((len(self.plane), width), dtype),
                [np.empty((r, width), dtype) for r in rows])


def conv_forward(x, w, bias, sh, sw, out_h, out_w, relu):
    n = len(x)
    kh, kw, c, f = w.shape
    phases = Phases(x, kh, kw, sh, sw, out_h, out_w)
    weights_t = np.ascontiguousarray(w.reshape(-1, f).T)  # (F, taps)
    bias = bias if bias.size else np.zeros(f, dtype=x.dtype)
    y = np.empty((n, out_h, out_w, f), dtype=x.dtype)

    def piece(start, stop):
        _copy_phases(x[start:stop], sh, sw, phases.rows, phases.length, phases.data[start:stop],
                     True)
        # one buffer per piece for every block's matrices: a fresh 0.4 MiB array
        # per image cost as much as the copy into it (the system zero-fills it)
        cols, z = phases.buffers(stop - start, (f,))
        for first in range(start, stop, phases.block):
            last = min(first + phases.block, stop)
            width = (last - first) * phases.pixels
            _unfold(phases.data[first:last], phases.plane, phases.offset, phases.out_w,
                    phases.length, cols[:, :width])
            np.matmul(weights_t, cols[:, :width], out=z[0][:, :width])
            _write_outputs(z[0][:, :width], bias, relu, phases.length, y[first:last])
    parallel_for(n, piece, work=y.size * kh * kw * c // MULTIPLY_ADDS_PER_ELEMENT)
    return y, phases


# In these loops the innermost index runs over 1-D views: numba compiles
# x[b, r, col, c] in an inner loop to per-element index arithmetic that the
# compiler cannot vectorise (a 27 x 4032 copy took 29 us with 2-D indexing,
# 8.5 us through row views).
@kernel
def _copy_phases(images, sh, sw, rows, length, phases, into_phases):
    """phases[b, c, pr, pc, r*length + q] <-> images[b, r*sh + pr, q*sw + pc, c]: into
    the phases (forward) or back into the images (the input gradient). What the copy
    does not reach in the destination is set to zero: positions outside the image in
    the phases, pixels no window reached in the images."""
    n, h, w, c = images.shape
    if into_phases:
        phases[:] = 0
    else:
        images[:] = 0
    for b in range(n):
        for pr in range(sh):
            for r in range(min(rows, (h - pr + sh - 1) // sh)):
                row = images[b, r * sh + pr].reshape(w * c)
                for ch in range(c):
                    for pc in range(sw):
                        run = phases[b, ch, pr, pc, r * length:(r + 1) * length]
                        stride, first = sw * c, pc * c + ch
                        count = min(length, (w - pc + sw - 1) // sw)
                        if into_phases:
                            for q in range(count):
                                run[q] = row[first + q * stride]
                        else:
                            for q in range(count):
                                row[first + q * stride] = run[q]


@kernel
def _unfold(phases, plane, offset, out_w, length, cols):
    """cols[t, (b, oh, q)] = plane of tap t, from its offset: one run per image and tap;
    the padding columns q >= out_w are set to zero."""
    n = phases.shape[0]
    pixels = cols.shape[1] // n
    flat = phases.reshape(n, -1, phases.shape[-1])
    for t in range(len(plane)):
        for b in range(n):
            source = flat[b, plane[t], offset[t]:offset[t] + pixels]
            target = cols[t, b * pixels:(b + 1) * pixels]
            for m in range(pixels):
                target[m] = source[m]
            for start in range(out_w, pixels, length):
                for m in range(start, start + length - out_w):
                    target[m] = 0


@kernel
def _write_outputs(z, bias, relu, length, y):
    """y[b, oh, ow, k] = act(z[k, (b, oh, ow)] + bias[k]), skipping the padding columns."""
    n, out_h, out_w, f = y.shape
    for b in range(n):
        for oh in range(out_h):
            row = y[b, oh].reshape(out_w * f)
            first = (b * out_h + oh) * length
            for k in range(f):
                values = z[k, first:first + out_w]
                for ow in range(out_w):
                    v = values[ow] + bias[k]
                    row[ow * f + k] = max(v, 0) if relu else v


def conv_backward(saved, w, grad_y, y, sh, sw, relu, with_bias, input_grad):
    # On the calling thread, not split over minicnn's threads: the weight
    # gradient's products (8 x 27 outputs summed over 4,032 pixels, in the
    # galaxy model) ran slower from two threads at once than from one (OpenBLAS:
    # 0.94 -> 1.17 ms for 32 images); the whole backward went from 3.1 to 3.6 ms.
    # (A training step still runs two halves of the batch at once: data_parallel.py.)
    phases = saved
    kh, kw, c, f = w.shape
    weights = np.ascontiguousarray(w.reshape(-1, f))  # (taps, F)
    x_shape = phases.x_shape
    grad_x = np.empty(x_shape if input_grad else (0,) + x_shape[1:], dtype=grad_y.dtype)
    grad_phases = np.zeros_like(phases.data) if input_grad else None
    grad_w_t, grad_b = np.zeros((f, len(weights))), np.zeros(f)  # float64 sums over blocks
    cols, (grad_z, grad_cols) = phases.buffers(len(grad_y), (f, len(weights)))
    for first in range(0, len(grad_y), phases.block):
        last = min(first + phases.block, len(grad_y))
        width = (last - first) * phases.pixels
        _read_gradients(grad_y[first:last], y[first:last], relu, phases.length,
                        grad_z[:, :width])
        grad_b += grad_z[:, :width].sum(axis=1, dtype=np.float64)
        _unfold(phases.data[first:last], phases.plane, phases.offset, phases.out_w,
                phases.length, cols[:, :width])
        grad_w_t += grad_z[:, :width] @ cols[:, :width].T
        if input_grad:
            np.matmul(weights, grad_z[:, :width], out=grad_cols[:, :width])
            _fold(grad_cols[:, :width], phases.plane, phases.offset, phases.out_w,
                  phases.length, grad_phases[first:last])
    if input_grad:
        _copy_phases(grad_x, sh, sw, phases.rows, phases.length, grad_phases, False)
    return (grad_w_t.T.reshape(w.shape).astype(grad_y.dtype),
            grad_b.astype(grad_y.dtype) if with_bias else np.zeros(0, dtype=grad_y.dtype), grad_x)


@kernel
def _read_gradients(grad_y, y, relu, length, grad_z):
    """grad_z[k, (b, oh, q)] = dL/dz (ReLU applied; zero in the padding columns)."""
    n, out_h, out_w, f = grad_y.shape
    grad_z[:] = 0
    for b in range(n):
        for oh in range(out_h):
            grads = grad_y[b, oh].reshape(out_w * f)
            outputs = y[b, oh].reshape(out_w * f)
            first = (b * out_h + oh) * length
            for ow in range(out_w):
                for k in range(f):
                    g = grads[ow * f + k]
                    grad_z[k, first + ow] = g if (not relu or outputs[ow * f + k] > 0) else 0


@kernel
def _fold(grad_cols, plane, offset, out_w, length, grad_phases):
    """The adjoint of _unfold: add each tap's row back into its plane at its offset
    (the padding columns, which hold no gradient, are skipped)."""
    n = grad_phases.shape[0]
    pixels = grad_cols.shape[1] // n
    flat = grad_phases.reshape(n, -1, grad_phases.shape[-1])
    for t in range(len(plane)):
        for b in range(n):
            target = flat[b, plane[t], offset[t]:offset[t] + pixels]
            source = grad_cols[t, b * pixels:(b + 1) * pixels]
            for start in range(0, pixels, length):
                for m in range(start, start + out_w):
                    target[m] += source[m]
