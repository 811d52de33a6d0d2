"""Convolution a few images at a time: the fast way for layers with few filters.

The same arithmetic as reference.conv2d_forward/backward (im2col + one matrix
product, bias, ReLU), tested equal to it (tests/test_ops.py). ops/fast/__init__.py
chooses it for few filters on long rows (by_image_blocks).

Why: with few filters, im2col + one matrix product for the whole batch writes
and rereads a matrix kh*kw times the size of the input, far larger than the
CPU's caches, for a product with at most a few columns, where BLAS is slow.
Here the same arithmetic runs a few images at a time, each block's unfolded
matrix small enough to stay in cache, where BLAS runs near its peak
(benchmarks/RESULTS.md has the figures). Two tricks make the unfolding cheap:
- The batch is first split by stride phase: with strides (sh, sw),
      phases[n, c, pr, pc, r, q] = x[n, r*sh + pr, q*sw + pc, c]
  so the pixels a tap (i, j, c) reads for all outputs (oh, ow) are
      phases[n, c, i % sh, j % sw, oh + i // sh, ow + j // sw],
  one contiguous run of the flattened (r, q) plane, starting at
  (i // sh) * Q + j // sw, if each output row is given the phase row's full
  length Q (its last Q - out_w columns are padding, set to zero).
- So the block's matrix (taps x pixels) is built from kh*kw*C long copies,
  and the backward's input gradient is added back the same way.
The phase split is kept from forward to backward (it is x, rearranged).
Bias and ReLU are applied as outputs are written (forward) and read (backward).
"""
import numpy as np

from minicnn.ops.fast.compiled import kernel
from minicnn.parallel.pool import MULTIPLY_ADDS_PER_ELEMENT, parallel_for

BLOCK_NUMBERS = 1 << 16  # numbers in a block's unfolded matrix: 256 KiB of float32


class InputByPhase:
    """The input batch split by stride phase (see above), with the tap offsets
    and the block size the forward and backward loops use."""

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
    """x: (N, H, W, C), already padded; w: (kh, kw, C, F); bias: (F,) or empty;
    -> (y: (N, out_h, out_w, F) = max(im2col(x) @ w2 + bias, 0) (no max when not
    relu), the InputByPhase conv_backward needs)."""
    n = len(x)
    kh, kw, c, f = w.shape
    phases = InputByPhase(x, kh, kw, sh, sw, out_h, out_w)
    weights_t = np.ascontiguousarray(w.reshape(-1, f).T)  # (F, taps)
    bias = bias if bias.size else np.zeros(f, dtype=x.dtype)
    y = np.empty((n, out_h, out_w, f), dtype=x.dtype)

    def piece(start, stop):
        _copy_phases(x[start:stop], sh, sw, phases.rows, phases.length, phases.data[start:stop],
                     True)
        # one buffer per piece for every block's matrices: a fresh array per
        # block cost as much as the copy into it (the system zero-fills it)
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


# In these loops the innermost index runs over 1-D views (x[b, r][q] rather than
# x[b, r, q]), so that the inner loop is a plain run over contiguous memory:
# benchmarks/choices.py (rowviews) measured it 1.08x faster (RESULTS.md).
@kernel
def _copy_phases(images, sh, sw, rows, length, phases, into_phases):
    """images: (n, H, W, C); phases: (n, C, sh, sw, (rows + 1) * length).
    phases[b, c, pr, pc, r*length + q] <-> images[b, r*sh + pr, q*sw + pc, c]: into
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
    """phases: (n, C, sh, sw, (rows + 1) * length); plane, offset: (taps,) -> cols:
    (taps, n * pixels), written in place: cols[t, (b, oh, q)] = the run of tap t's plane
    from its offset, one run per image and tap; the padding columns q >= out_w are zero."""
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
    """z: (F, n * pixels), bias: (F,) -> y: (n, out_h, out_w, F), written in place:
    y[b, oh, ow, k] = act(z[k, (b, oh, ow)] + bias[k]), skipping the padding columns."""
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


def conv_backward(phases, w, grad_y, y, sh, sw, relu, with_bias, input_grad):
    """The gradients of conv_forward: phases as it returned, w as given to it;
    grad_y, y: (N, out_h, out_w, F) -> (grad_w like w, grad_bias (F,) or empty,
    grad_x: (N, H, W, C) padded, or (0, H, W, C) when not input_grad)."""
    # On the calling thread, not split over minicnn's threads: the weight
    # gradient's small long products ran slower from two threads at once than
    # from one (OpenBLAS; RESULTS.md). A training step still runs two halves
    # of the batch at once (parallel/halves.py).
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
    """grad_y, y: (n, out_h, out_w, F) -> grad_z: (F, n * pixels), written in place:
    grad_z[k, (b, oh, q)] = dL/dz (ReLU applied; zero in the padding columns)."""
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
    """grad_cols: (taps, n * pixels) -> grad_phases: (n, C, sh, sw, (rows + 1) * length),
    added in place. The adjoint of _unfold: add each tap's row back into its plane at its offset
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
