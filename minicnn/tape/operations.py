"""The operations a GradientTape records: each one's forward rule with its
backward rule right beside it, as in micrograd, but on arrays.

Each is written on NumPy arrays and returns ``(result, backward)``, where
``backward(g)`` takes g = dL/d(result) and returns dL/d(input) for each of its
``inputs`` (the first arguments; None where there is none). ``@operation``
makes it an operation on tensors: it takes the arrays out, runs the rule, puts
the result in a Tensor and hands the node to the recording tapes. An operation
whose result cannot be differentiated (argmax, a comparison, a cast to
integers) returns None as its backward: no tape follows its result.

A rule sees arrays broadcast as NumPy broadcasts them; ``unbroadcast`` sums a
gradient back to the shape of the input it belongs to (a bias added to every
row gets the sum of the rows' gradients).

minicnn's TensorFlow and Keras names (``tf.reduce_mean``, ``keras.ops.mean``)
are these functions under those names (compat/tensorflow, compat/keras/ops.py).
"""
import functools

import numpy as np

from minicnn import activations
from minicnn.tape import recording, tensor
from minicnn.tape.tensor import Tensor, value_of


def operation(inputs=1):
    """Decorator: ``forward`` computes on arrays and returns (result, backward) or
    (result, None); its first ``inputs`` arguments are tensors ("list": the
    first argument is a list of them)."""
    def wrap(forward):
        @functools.wraps(forward)
        def run(*args, **kwargs):
            if inputs == "list":
                given = list(args[0])
                arrays = ([value_of(x) for x in given],)
                rest = args[1:]
            else:
                given, rest = list(args[:inputs]), args[inputs:]
                arrays = tuple(value_of(x) for x in given)  # Python numbers stay numbers
            result, backward = forward(*arrays, *rest, **kwargs)
            out = Tensor(result)
            if backward is not None:
                recording.record(forward.__name__, given, out,
                                 lambda g, wanted: _as_tuple(backward(g)))
            return out
        return run
    return wrap


def _as_tuple(grads):
    return grads if isinstance(grads, (tuple, list)) else (grads,)


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes NumPy broadcast to reach it from ``shape``."""
    shape = np.shape(shape) if not isinstance(shape, tuple) else shape
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


# -- arithmetic, elementwise (broadcasting) --------------------------------------------------
@operation(2)
def add(x, y):
    def backward(g):
        return unbroadcast(g, np.shape(x)), unbroadcast(g, np.shape(y))
    return np.add(x, y), backward


@operation(2)
def subtract(x, y):
    def backward(g):
        return unbroadcast(g, np.shape(x)), unbroadcast(-g, np.shape(y))
    return np.subtract(x, y), backward


@operation(2)
def multiply(x, y):
    def backward(g):
        return unbroadcast(g * y, np.shape(x)), unbroadcast(g * x, np.shape(y))
    return np.multiply(x, y), backward


@operation(2)
def divide(x, y):
    def backward(g):
        return unbroadcast(g / y, np.shape(x)), unbroadcast(-g * x / (y * y), np.shape(y))
    return np.true_divide(x, y), backward


@operation(2)
def power(x, y):
    out = np.power(x, y)

    def backward(g):
        grad_x = g * y * np.power(x, np.subtract(y, 1))
        with np.errstate(divide="ignore", invalid="ignore"):  # log x: only where x > 0 matters
            grad_y = np.where(np.greater(x, 0), g * out * np.log(np.where(np.greater(x, 0), x, 1)), 0)
        return unbroadcast(grad_x, np.shape(x)), unbroadcast(grad_y, np.shape(y))
    return out, backward


@operation(2)
def maximum(x, y):
    """The larger of x and y; where they are equal the gradient goes to x (TensorFlow's rule)."""
    x_wins = np.greater_equal(x, y)

    def backward(g):
        return unbroadcast(np.where(x_wins, g, 0), np.shape(x)), \
            unbroadcast(np.where(x_wins, 0, g), np.shape(y))
    return np.maximum(x, y), backward


@operation(2)
def minimum(x, y):
    """The smaller of x and y; where they are equal the gradient goes to x."""
    x_wins = np.less_equal(x, y)

    def backward(g):
        return unbroadcast(np.where(x_wins, g, 0), np.shape(x)), \
            unbroadcast(np.where(x_wins, 0, g), np.shape(y))
    return np.minimum(x, y), backward


@operation()
def negative(x):
    return np.negative(x), lambda g: -g


@operation()
def abs(x):
    return np.abs(x), lambda g: g * np.sign(x)


@operation()
def square(x):
    return np.square(x), lambda g: 2 * g * x


@operation()
def sqrt(x):
    out = np.sqrt(x)
    return out, lambda g: g / (2 * out)


@operation()
def exp(x):
    out = np.exp(x)
    return out, lambda g: g * out


@operation()
def log(x):
    return np.log(x), lambda g: g / x


@operation(3)
def where(condition, x, y):
    """x where condition holds, else y; the condition gets no gradient."""
    def backward(g):
        return None, unbroadcast(np.where(condition, g, 0), np.shape(x)), \
            unbroadcast(np.where(condition, 0, g), np.shape(y))
    return np.where(condition, x, y), backward


@operation()
def clip(x, low, high):
    """x limited to [low, high]; the gradient passes where low <= x <= high."""
    inside = (np.greater_equal(x, low)) & (np.less_equal(x, high))
    return np.clip(x, low, high), lambda g: g * inside


# -- activations: activations.py's rules, the ones the layers use ------------------------------
@operation()
def relu(x):
    out = activations.forward("relu", x)
    return out, lambda g: activations.backward("relu", g, out)


@operation()
def sigmoid(x):
    out = activations.forward("sigmoid", np.asarray(x))
    return out, lambda g: activations.backward("sigmoid", g, out)


@operation()
def tanh(x):
    out = activations.forward("tanh", x)
    return out, lambda g: activations.backward("tanh", g, out)


@operation()
def softmax(x, axis=-1):
    out = activations.softmax(x, axis)
    return out, lambda g: activations.softmax_backward(g, out, axis)


@operation()
def log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return out, lambda g: g - np.exp(out) * g.sum(axis=axis, keepdims=True)


# -- reductions: the gradient spreads back over what was reduced --------------------------------
def _spread(g, shape, axis, keepdims):
    """g of a reduction over ``axis`` (None: all) broadcast back to ``shape``."""
    if axis is None:
        axes = tuple(range(len(shape)))
    else:
        axes = tuple(a % len(shape) for a in np.atleast_1d(axis))
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


@operation()
def sum(x, axis=None, keepdims=False):
    def backward(g):
        return _spread(g, x.shape, axis, keepdims).astype(x.dtype)
    return np.sum(x, axis=_axis(axis), keepdims=keepdims), backward


@operation()
def mean(x, axis=None, keepdims=False):
    out = np.mean(x, axis=_axis(axis), keepdims=keepdims)
    count = np.size(x) // np.size(out) if np.size(out) else 1  # elements in each mean

    def backward(g):
        return (_spread(g, x.shape, axis, keepdims) / count).astype(x.dtype)
    return out, backward


@operation()
def max(x, axis=None, keepdims=False):
    """The largest value; tied maxima share the gradient equally (TensorFlow's rule)."""
    out = np.max(x, axis=_axis(axis), keepdims=keepdims)

    def backward(g):
        winners = x == _spread(out, x.shape, axis, keepdims)
        count = _spread(np.sum(winners, axis=_axis(axis), keepdims=keepdims), x.shape, axis,
                        keepdims)
        return (_spread(g, x.shape, axis, keepdims) * winners / count).astype(x.dtype)
    return out, backward


@operation()
def min(x, axis=None, keepdims=False):
    """The smallest value; tied minima share the gradient equally."""
    out = np.min(x, axis=_axis(axis), keepdims=keepdims)

    def backward(g):
        winners = x == _spread(out, x.shape, axis, keepdims)
        count = _spread(np.sum(winners, axis=_axis(axis), keepdims=keepdims), x.shape, axis,
                        keepdims)
        return (_spread(g, x.shape, axis, keepdims) * winners / count).astype(x.dtype)
    return out, backward


@operation()
def logsumexp(x, axis=None, keepdims=False):
    top = np.max(x, axis=_axis(axis), keepdims=True)
    out = np.log(np.sum(np.exp(x - top), axis=_axis(axis), keepdims=True)) + top

    def backward(g):
        return _spread(g, x.shape, axis, keepdims) * np.exp(x - out)
    return (out if keepdims else np.squeeze(out, axis=_axis(axis))), backward


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# -- products ------------------------------------------------------------------------------------
@operation(2)
def matmul(x, y):
    """x @ y with NumPy's rules: stacks of matrices broadcast; a 1-d side is a vector."""
    x2 = np.asarray(x)[None, :] if np.ndim(x) == 1 else np.asarray(x)  # a one-row matrix
    y2 = np.asarray(y)[:, None] if np.ndim(y) == 1 else np.asarray(y)  # a one-column matrix

    def backward(g):
        # g with the axes a vector side took away put back (both vectors: g is a number)
        g2 = np.reshape(g, np.broadcast_shapes(x2.shape[:-2], y2.shape[:-2])
                        + (x2.shape[-2], y2.shape[-1]))
        grad_x = unbroadcast(g2 @ np.swapaxes(y2, -1, -2), x2.shape)
        grad_y = unbroadcast(np.swapaxes(x2, -1, -2) @ g2, y2.shape)
        return grad_x.reshape(np.shape(x)), grad_y.reshape(np.shape(y))
    return np.matmul(x, y), backward


# -- shapes: the gradient is moved back, never changed ------------------------------------------
@operation()
def reshape(x, shape):
    return np.reshape(x, shape), lambda g: np.reshape(g, np.shape(x))


@operation()
def transpose(x, axes=None):
    axes = tuple(range(np.ndim(x)))[::-1] if axes is None else tuple(axes)
    return np.transpose(x, axes), lambda g: np.transpose(g, np.argsort(axes))


@operation()
def expand_dims(x, axis):
    return np.expand_dims(x, axis), lambda g: np.reshape(g, np.shape(x))


@operation()
def squeeze(x, axis=None):
    return np.squeeze(x, axis=_axis(axis)), lambda g: np.reshape(g, np.shape(x))


@operation()
def broadcast_to(x, shape):
    return np.broadcast_to(x, shape), lambda g: unbroadcast(g, np.shape(x))


@operation()
def getitem(x, index):
    """x[index]: slices, integers, None, Ellipsis, integer or boolean arrays. The
    gradient goes back to the elements read, added where one was read twice."""
    index = _index(index)

    def backward(g):
        grad = np.zeros(np.shape(x), dtype=g.dtype)
        np.add.at(grad, index, g)
        return grad
    return np.asarray(x)[index], backward


def _index(index):
    """An index with the tensors inside it as arrays."""
    if isinstance(index, tuple):
        return tuple(value_of(i) for i in index)
    return value_of(index)


@operation("list")
def concatenate(xs, axis=0):
    def backward(g):
        bounds = np.cumsum([np.shape(x)[axis] for x in xs])[:-1]
        return np.split(g, bounds, axis=axis)
    return np.concatenate(xs, axis=axis), backward


@operation("list")
def stack(xs, axis=0):
    def backward(g):
        return [np.take(g, i, axis=axis) for i in range(len(xs))]
    return np.stack(xs, axis=axis), backward


@operation()
def cast(x, dtype):
    """x in another dtype. Between floating types the gradient is cast back; a
    cast to integers or booleans ends what a tape follows."""
    dtype = np.dtype(dtype)
    out = np.asarray(x).astype(dtype)
    if dtype.kind != "f" or np.asarray(x).dtype.kind != "f":
        return out, None
    return out, lambda g: g.astype(np.asarray(x).dtype)


# -- what has no gradient: integers, booleans, constants -----------------------------------------
@operation()
def stop_gradient(x):
    """x itself, but the tape stops here: nothing behind it gets a gradient through it."""
    return np.array(x), None



@operation()
def argmax(x, axis=None):
    return np.argmax(x, axis=axis), None


@operation()
def argmin(x, axis=None):
    return np.argmin(x, axis=axis), None


@operation()
def sign(x):
    return np.sign(x), None


@operation()
def round(x):
    return np.round(x), None


@operation()
def floor(x):
    return np.floor(x), None


@operation()
def one_hot(indices, depth, dtype=np.float32):
    indices = np.asarray(indices, dtype=np.int64)
    return (indices[..., None] == np.arange(depth)).astype(dtype), None


@operation()
def zeros_like(x, dtype=None):
    return np.zeros_like(x, dtype=dtype), None


@operation()
def ones_like(x, dtype=None):
    return np.ones_like(x, dtype=dtype), None


@operation(2)
def equal(x, y):
    return np.equal(x, y), None


@operation(2)
def not_equal(x, y):
    return np.not_equal(x, y), None


@operation(2)
def greater(x, y):
    return np.greater(x, y), None


@operation(2)
def greater_equal(x, y):
    return np.greater_equal(x, y), None


@operation(2)
def less(x, y):
    return np.less(x, y), None


@operation(2)
def less_equal(x, y):
    return np.less_equal(x, y), None


def convert_to_tensor(value, dtype=None):
    """A tensor of ``value`` (a tensor stays itself): Python floats become float32 and
    Python ints int32, as TensorFlow makes them; NumPy arrays keep their dtype."""
    if isinstance(value, Tensor) and dtype is None:
        return value
    array = np.asarray(value_of(value))
    if dtype is not None:
        return Tensor(array.astype(dtype))
    if not isinstance(value, np.ndarray) and array.dtype == np.float64:
        array = array.astype(np.float32)
    elif not isinstance(value, np.ndarray) and array.dtype == np.int64:
        array = array.astype(np.int32)
    return Tensor(array)


# Python's operators on tensors (tensor.py) are these operations
tensor.OPERATORS.update(add=add, subtract=subtract, multiply=multiply, divide=divide,
                        power=power, matmul=matmul, negative=negative, abs=abs, getitem=getitem)
