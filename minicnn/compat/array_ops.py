"""The array functions behind keras.ops and tf.* beyond the tape's own table
(minicnn/tape/operations.py), under NumPy's names and arguments; keras/ops.py and
tensorflow/*.py give them Keras's and TensorFlow's.

Most are compositions of the tape's operations (log1p is log(1 + x), flip and roll
read through getitem, var is mean(square(x - mean))), so a GradientTape follows them
with the rules it already has; the few that need a rule of their own (cumsum,
cumprod, prod, pad, einsum, and the convolutions, whose rule is the layer's own
backward) are written here as the tape's are, forward beside backward. What has no
gradient (comparisons, integer results, sorting indices) is computed on arrays and
returned as a Tensor no tape follows.
"""
import math

import numpy as np

from minicnn.tape import operations as ops
from minicnn.tape.operations import convert_to_tensor, operation, unbroadcast
from minicnn.tape.tensor import Tensor, value_of


def array(x):
    return np.asarray(value_of(x))


def tensor(x):
    return convert_to_tensor(x)


def no_gradient(function):
    """A function of arrays as one of tensors whose result no tape follows."""
    def run(*args, **kwargs):
        args = [array(a) if isinstance(a, Tensor) else a for a in args]
        result = function(*args, **kwargs)
        if isinstance(result, tuple):
            return tuple(Tensor(np.asarray(r)) for r in result)
        return Tensor(np.asarray(result))
    run.__name__ = getattr(function, "__name__", "function")
    run.__doc__ = function.__doc__
    return run


# -- elementwise, composed of the tape's operations ---------------------------------------------
def expm1(x):
    return ops.subtract(ops.exp(x), 1)


def log1p(x):
    return ops.log(ops.add(x, 1))


def log2(x):
    return ops.divide(ops.log(x), math.log(2))


def log10(x):
    return ops.divide(ops.log(x), math.log(10))


def reciprocal(x):
    return ops.divide(1, x)


def rsqrt(x):
    return ops.divide(1, ops.sqrt(x))


def squared_difference(x, y):
    return ops.square(ops.subtract(x, y))


def divide_no_nan(x, y):
    """x / y, and 0 where y is 0."""
    zero = np.equal(array(y), 0)
    return ops.where(zero, 0, ops.divide(x, ops.where(zero, 1, y)))


def xlogy(x, y):
    """x * log(y), and 0 where x is 0."""
    zero = np.equal(array(x), 0)
    return ops.where(zero, 0, ops.multiply(x, ops.log(ops.where(zero, 1, y))))


ceil, trunc, rint = no_gradient(np.ceil), no_gradient(np.trunc), no_gradient(np.rint)
floor_divide, mod = no_gradient(np.floor_divide), no_gradient(np.mod)
isfinite, isinf, isnan = no_gradient(np.isfinite), no_gradient(np.isinf), no_gradient(np.isnan)
logical_and, logical_or = no_gradient(np.logical_and), no_gradient(np.logical_or)
logical_not, logical_xor = no_gradient(np.logical_not), no_gradient(np.logical_xor)
isclose, count_nonzero = no_gradient(np.isclose), no_gradient(np.count_nonzero)
argsort, nonzero = no_gradient(np.argsort), no_gradient(np.nonzero)
all_, any_ = no_gradient(np.all), no_gradient(np.any)


def allclose(x, y, rtol=1e-5, atol=1e-8, equal_nan=False):
    return bool(np.allclose(array(x), array(y), rtol, atol, equal_nan))


def unravel_index(indices, shape):
    return Tensor(np.stack(np.unravel_index(array(indices), tuple(shape))))


# -- reductions ------------------------------------------------------------------------------------
def var(x, axis=None, keepdims=False):
    """mean((x - mean)**2): the biased variance, as NumPy's and Keras's."""
    centred = ops.subtract(x, ops.mean(x, axis, keepdims=True))
    return ops.mean(ops.square(centred), axis, keepdims)


def std(x, axis=None, keepdims=False):
    return ops.sqrt(var(x, axis, keepdims))


def moments(x, axes, keepdims=False):
    """(mean, variance) over ``axes``."""
    return ops.mean(x, axes, keepdims), var(x, axes, keepdims)


def norm(x, ord=None, axis=None, keepdims=False):
    """The Euclidean norm (ord None, 2, "fro", "euclidean"), or the 1- and inf-norms of vectors."""
    if ord in (None, 2, "fro", "euclidean"):
        return ops.sqrt(ops.sum(ops.square(x), axis, keepdims))
    if ord == 1:
        return ops.sum(ops.abs(x), axis, keepdims)
    if ord in (np.inf, "inf"):
        return ops.max(ops.abs(x), axis, keepdims)
    raise ValueError(f"norm: minicnn computes ord None, 2, 'fro', 'euclidean', 1 or inf, got {ord!r}")


def l2_normalize(x, axis=None, epsilon=1e-12):
    """x / sqrt(max(sum(x**2), epsilon)) along ``axis``."""
    total = ops.sum(ops.square(x), axis, keepdims=True)
    return ops.multiply(x, rsqrt(ops.maximum(total, epsilon)))


def average(x, axis=None, weights=None):
    if weights is None:
        return ops.mean(x, axis)
    weights = convert_to_tensor(weights)
    if axis is not None and np.ndim(array(weights)) == 1:
        shape = [1] * np.ndim(array(x))
        shape[axis] = -1
        weights = ops.reshape(weights, tuple(shape))
    total = ops.sum(ops.multiply(x, weights), axis)
    return ops.divide(total, ops.sum(ops.broadcast_to(weights, np.shape(array(x))), axis))


@operation()
def prod(x, axis=None, keepdims=False):
    """The product; its gradient, the product of the others (out / x, x nonzero)."""
    out = np.prod(x, axis=axis, keepdims=keepdims)

    def backward(g):
        spread = np.prod(x, axis=axis, keepdims=True)
        g = g if keepdims or axis is None else np.expand_dims(g, axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num(g * spread / x)
    return out, backward


@operation()
def cumsum(x, axis=None):
    """Running sums; their gradient, running sums of the gradient from the end."""
    flat = axis is None
    values = np.ravel(x) if flat else x
    axis = 0 if flat else axis

    def backward(g):
        grad = np.flip(np.cumsum(np.flip(g, axis), axis), axis)
        return grad.reshape(np.shape(x))
    return np.cumsum(values, axis=axis), backward


@operation()
def cumprod(x, axis=None):
    """Running products; gradient d out_j / d x_i = out_j / x_i for j >= i (x nonzero)."""
    flat = axis is None
    values = np.ravel(x) if flat else x
    axis = 0 if flat else axis
    out = np.cumprod(values, axis=axis)

    def backward(g):
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = np.flip(np.cumsum(np.flip(g * out, axis), axis), axis) / values
        return np.nan_to_num(grad).reshape(np.shape(x))
    return out, backward


# -- shapes: each reads its input through getitem or reshape, so the gradient goes back ----------
def _axis_index(x, axis, index):
    """An index tuple reading ``index`` (an array or slice) along ``axis`` of x."""
    full = [slice(None)] * np.ndim(array(x))
    full[axis] = index
    return tuple(full)


def flip(x, axis=None):
    axes = range(np.ndim(array(x))) if axis is None else np.atleast_1d(axis)
    index = [slice(None)] * np.ndim(array(x))
    for a in axes:
        index[a] = slice(None, None, -1)
    return ops.getitem(x, tuple(index))


def fliplr(x):
    return flip(x, 1)


def flipud(x):
    return flip(x, 0)


def rot90(x, k=1, axes=(0, 1)):
    """Turn by k quarter turns from the first axis toward the second (NumPy's rule)."""
    k %= 4
    for _ in range(k):
        x = swapaxes(flip(x, axes[1]), axes[0], axes[1])
    return convert_to_tensor(x)


def roll(x, shift, axis=None):
    if axis is None:
        return ops.reshape(roll(ops.reshape(x, (-1,)), shift, 0), np.shape(array(x)))
    for s, a in zip(np.atleast_1d(shift), np.atleast_1d(axis)):
        x = ops.getitem(x, _axis_index(x, a, np.roll(np.arange(np.shape(array(x))[a]), s)))
    return x


def tile(x, repeats):
    x = convert_to_tensor(x)
    repeats = [int(r) for r in np.atleast_1d(array(repeats))]
    while x.ndim < len(repeats):
        x = ops.expand_dims(x, 0)
    repeats = [1] * (x.ndim - len(repeats)) + repeats
    index = np.ix_(*[np.tile(np.arange(n), r) for n, r in zip(x.shape, repeats)])
    return ops.getitem(x, index)


def repeat(x, repeats, axis=None):
    if axis is None:
        x, axis = ops.reshape(x, (-1,)), 0
    n = np.shape(array(x))[axis]
    return ops.getitem(x, _axis_index(x, axis, np.repeat(np.arange(n), array(repeats))))


def moveaxis(x, source, destination):
    n = np.ndim(array(x))
    source = [int(a) % n for a in np.atleast_1d(source)]
    destination = [int(a) % n for a in np.atleast_1d(destination)]
    order = [a for a in range(n) if a not in source]
    for place, axis in sorted(zip(destination, source)):
        order.insert(place, axis)
    return ops.transpose(x, tuple(order))


def swapaxes(x, axis1, axis2):
    order = list(range(np.ndim(array(x))))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return ops.transpose(x, tuple(order))


def ravel(x):
    return ops.reshape(x, (-1,))


def split(x, indices_or_sections, axis=0):
    """NumPy's split: a number of equal parts, or the indices where to cut."""
    n = np.shape(array(x))[axis]
    if np.ndim(indices_or_sections) == 0:
        if n % int(indices_or_sections):
            raise ValueError(f"split: {n} does not split into {indices_or_sections} equal parts")
        cuts = list(range(0, n, n // int(indices_or_sections)))[1:]
    else:
        cuts = [int(c) for c in indices_or_sections]
    bounds = [0] + cuts + [n]
    return [ops.getitem(x, _axis_index(x, axis, slice(a, b))) for a, b in zip(bounds, bounds[1:])]


def array_split(x, indices_or_sections, axis=0):
    n = np.shape(array(x))[axis]
    sizes = [len(part) for part in np.array_split(np.arange(n), indices_or_sections)]
    return split(x, list(np.cumsum(sizes)[:-1]), axis)


def unstack(x, num=None, axis=0):
    return [ops.getitem(x, _axis_index(x, axis, i)) for i in range(np.shape(array(x))[axis])]


def hstack(xs):
    return ops.concatenate(list(xs), 0 if np.ndim(array(xs[0])) == 1 else 1)


def vstack(xs):
    return ops.concatenate([ops.reshape(x, (1, -1)) if np.ndim(array(x)) == 1 else x for x in xs], 0)


def append(x, values, axis=None):
    if axis is None:
        return ops.concatenate([ravel(x), ravel(values)], 0)
    return ops.concatenate([x, values], axis)


def take(x, indices, axis=None):
    if axis is None:
        return ops.getitem(ravel(x), array(indices))
    return ops.getitem(x, _axis_index(x, axis, array(indices)))


def take_along_axis(x, indices, axis):
    indices = array(indices)
    shape = np.shape(array(x))
    grids = np.ix_(*[np.arange(n) for n in indices.shape])
    index = tuple(indices if a == axis % len(shape) else
                  np.broadcast_to(grids[a], indices.shape) for a in range(len(shape)))
    return ops.getitem(x, index)


def slice_(x, start_indices, shape):
    """x[start : start + size] along each axis (size -1: to the end)."""
    return ops.getitem(x, tuple(slice(int(s), None if int(n) == -1 else int(s) + int(n))
                                for s, n in zip(np.ravel(start_indices), np.ravel(shape))))


def tril(x, k=0):
    return ops.multiply(x, np.tril(np.ones(np.shape(array(x))[-2:]), k).astype(array(x).dtype))


def triu(x, k=0):
    return ops.multiply(x, np.triu(np.ones(np.shape(array(x))[-2:]), k).astype(array(x).dtype))


def copy(x):
    return ops.reshape(x, np.shape(array(x)))


@operation()
def pad(x, pad_width, mode="constant", constant_values=0):
    """NumPy's pad; the gradient is the middle part (the padding read nothing of x, or,
    for reflections, read x again: added back where it was read)."""
    width = np.broadcast_to(np.asarray(pad_width), (np.ndim(x), 2))
    if mode == "constant":
        inner = tuple(slice(a, a + n) for (a, _), n in zip(width, np.shape(x)))
        return (np.pad(x, width, mode="constant", constant_values=constant_values),
                lambda g: g[inner])
    where = np.pad(np.arange(np.size(x)).reshape(np.shape(x)), width, mode=mode)

    def backward(g):
        grad = np.zeros(np.size(x), dtype=g.dtype)
        np.add.at(grad, where.ravel(), g.ravel())
        return grad.reshape(np.shape(x))
    return np.ravel(x)[where], backward


def sort(x, axis=-1):
    """The values sorted (the gradient goes back to where each came from)."""
    return take_along_axis(x, np.argsort(array(x), axis=axis, kind="stable"), axis)


def top_k(x, k=1, sorted=True):
    """(the k largest values along the last axis, their indices); ties: the first first."""
    order = np.argsort(-array(x), axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, order, -1), Tensor(order.astype(np.int32))


def in_top_k(targets, predictions, k):
    """Whether each target's score is among the k highest of its row (ties count in)."""
    predictions = array(predictions)
    target = np.take_along_axis(predictions, array(targets).astype(np.int64)[:, None], -1)
    return Tensor((predictions > target).sum(axis=-1) < k)


@operation("list")
def einsum_(xs, subscripts):
    """np.einsum; the gradient of each operand is einsum of the output's gradient and
    the other operands back to that operand's subscripts (summed indices broadcast)."""
    inputs, _, output = subscripts.replace(" ", "").partition("->")
    names = inputs.split(",")
    if not output and "->" not in subscripts:
        output = "".join(sorted(c for c in set(inputs.replace(",", "")) if inputs.count(c) == 1))

    def backward(g):
        grads = []
        for i, (name, x) in enumerate(zip(names, xs)):
            others = [n for j, n in enumerate(names) if j != i]
            kept = "".join(c for c in dict.fromkeys(name) if c in output + "".join(others))
            grad = np.einsum(",".join([output] + others) + "->" + kept, g,
                             *[o for j, o in enumerate(xs) if j != i])
            shape = {c: n for c, n in zip(name, np.shape(x))}
            grad = np.broadcast_to(np.expand_dims(grad, [k for k, c in enumerate(name)
                                                         if c not in kept]),
                                   [shape[c] for c in name])
            grads.append(np.array(grad))
        return grads
    return np.einsum(subscripts, *xs), backward


def einsum(subscripts, *operands):
    return einsum_(list(operands), subscripts)


def tensordot(a, b, axes=2):
    """Sum over the last ``axes`` axes of a and the first of b (or the given pairs)."""
    na, nb = np.ndim(array(a)), np.ndim(array(b))
    if np.ndim(axes) == 0:
        axes = (list(range(na - int(axes), na)), list(range(int(axes))))
    left, right = ([int(v) % n for v in np.atleast_1d(side)] for side, n in zip(axes, (na, nb)))
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(left, right):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in left] + [c for k, c in enumerate(sb)
                                                            if k not in right]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


def outer(x, y):
    return ops.multiply(ops.reshape(x, (-1, 1)), ops.reshape(y, (1, -1)))


def trace(x):
    n = min(np.shape(array(x))[-2:])
    return ops.sum(ops.getitem(x, (Ellipsis, np.arange(n), np.arange(n))), -1)


def diag_part(x):
    n = min(np.shape(array(x))[-2:])
    return ops.getitem(x, (Ellipsis, np.arange(n), np.arange(n)))


# -- making arrays (no gradient) -------------------------------------------------------------------
def full(shape, fill_value, dtype=None):
    return Tensor(np.full(shape, array(fill_value), dtype=dtype))


def full_like(x, fill_value, dtype=None):
    return Tensor(np.full_like(array(x), array(fill_value), dtype=dtype))


def eye(n, m=None, k=0, dtype="float32"):
    return Tensor(np.eye(int(n), None if m is None else int(m), k, dtype=dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return Tensor(np.linspace(array(start), array(stop), int(num), endpoint, dtype=dtype,
                              axis=axis).astype(dtype or np.float32))


# -- the layers' arithmetic as functions (their rule: the layer's own backward) -------------------
def layer_operation(layer, x, weights):
    """``layer`` (unbuilt) computed on x with ``weights`` ({parameter key: array}) as
    one tape node whose backward is the layer's: d(x) and d(each weight)."""
    x, keys = convert_to_tensor(x), list(weights)
    x_array = array(x)
    dtype = np.float64 if x_array.dtype == np.float64 else np.float32
    layer.build(x_array.shape[1:], dtype)
    for key in keys:
        layer.params[key] = np.asarray(array(weights[key]), dtype=dtype)

    @operation(1 + len(keys))
    def apply(x, *arrays):
        out = layer.forward(x, training=False)

        def backward(g):
            grad_x = layer.backward(g)
            return [grad_x] + [unbroadcast(layer.grads[k], np.shape(a)) for k, a in zip(keys, arrays)]
        return out, backward
    apply.__name__ = type(layer).__name__
    return apply(x, *[weights[k] for k in keys])


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """A 2-D convolution of NHWC inputs with a (kh, kw, C, F) kernel (Conv2D's arithmetic)."""
    from minicnn.layers import Conv2D
    kernel = convert_to_tensor(kernel)
    layer = Conv2D(kernel.shape[-1], kernel.shape[:2], strides, padding.lower(), use_bias=False,
                   dilation_rate=dilation_rate, data_format=data_format)
    return layer_operation(layer, inputs, {"W": kernel})


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    from minicnn.layers import DepthwiseConv2D
    kernel = convert_to_tensor(kernel)
    layer = DepthwiseConv2D(kernel.shape[:2], strides, padding.lower(), kernel.shape[-1],
                            use_bias=False, dilation_rate=dilation_rate, data_format=data_format)
    return layer_operation(layer, inputs, {"depthwise_kernel": kernel})


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    return conv(depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                               dilation_rate), pointwise_kernel)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """The transposed convolution with a (kh, kw, F, C) kernel (Conv2DTranspose's)."""
    from minicnn.layers import Conv2DTranspose
    kernel = convert_to_tensor(kernel)
    layer = Conv2DTranspose(kernel.shape[-2], kernel.shape[:2], strides, padding.lower(),
                            output_padding, data_format, dilation_rate, use_bias=False)
    return layer_operation(layer, inputs, {"W": kernel})


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    from minicnn.layers import MaxPooling2D
    return layer_operation(MaxPooling2D(pool_size, strides, padding.lower()), inputs, {})


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    from minicnn.layers import AveragePooling2D
    return layer_operation(AveragePooling2D(pool_size, strides, padding.lower()), inputs, {})


def batch_normalization(x, mean, variance, axis=-1, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset (mean, variance per ``axis``)."""
    y = ops.divide(ops.subtract(x, mean), ops.sqrt(ops.add(variance, epsilon)))
    if scale is not None:
        y = ops.multiply(y, scale)
    return y if offset is None else ops.add(y, offset)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=1e-3):
    mean, variance = moments(x, axis, keepdims=True)
    return batch_normalization(x, mean, variance, axis, beta, gamma, epsilon)


