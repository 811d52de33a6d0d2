"""Merge layers: several tensors in, one out (a residual connection, two branches joined).

A merge layer takes a list in forward and returns a list of gradients from
backward, one per input (the contract of training/symbolic.py's graph and the tape):

    y = Add().forward([a, b])          a, b: (N, ...) of one shape
    grad_a, grad_b = layer.backward(grad_y)

Add, Subtract, Multiply, Average, Maximum and Minimum are elementwise; their
inputs broadcast as Keras's (and NumPy's) do: an axis of size 1 repeats, as a
squeeze-and-excitation block multiplies (N, H, W, C) by (N, 1, 1, C), and each
gradient is summed back over the axes its input was repeated along. Concatenate
joins along an axis; Dot takes the dot product of two vectors per sample. The functions
add([a, b]), concatenate([a, b], axis=-1), ... are Keras's shorthands: the layer,
called on the list.
"""
import numpy as np

from minicnn.layers.base import Layer
from minicnn.tape.operations import unbroadcast


class Merge(Layer):
    """What the merge layers share: a list of at least ``minimum`` inputs, checked
    against the shapes the layer was built for."""
    independent_samples = True  # one sample's output depends on that sample alone
    minimum = 2

    def build(self, input_shape, dtype=np.float32):
        shapes = list(input_shape) if _is_list_of_shapes(input_shape) else None
        if shapes is None or len(shapes) < self.minimum:
            raise ValueError(f"{self.name} ({type(self).__name__}): takes a list of at least "
                             f"{self.minimum} tensors, got the shape {input_shape!r}")
        dtype = np.dtype(dtype)
        shapes = [tuple(int(d) for d in s) for s in shapes]
        self.output_shape = tuple(self.compute_output_shape(shapes))
        self.input_shape, self.dtype = shapes, dtype
        return self.output_shape

    def compute_output_shape(self, input_shape):
        try:
            return tuple(np.broadcast_shapes(*[tuple(s) for s in input_shape]))
        except ValueError:
            raise ValueError(f"{self.name} ({type(self).__name__}): its inputs' shapes do not "
                             f"broadcast to one: "
                             f"{', '.join(str((None,) + tuple(s)) for s in input_shape)}") from None

    def unbroadcast(self, grads):
        """Each input's gradient summed back to that input's shape (over the axes its
        values were repeated along)."""
        return [unbroadcast(g, (len(g),) + tuple(shape)).astype(self.dtype, copy=False)
                for g, shape in zip(grads, self.input_shape)]

    def _check_inputs(self, xs):
        """The inputs as arrays of the layer's dtype (the layer built on first use)."""
        if not isinstance(xs, (list, tuple)):
            raise ValueError(f"{self.name} ({type(self).__name__}): takes a list of tensors, "
                             f"got one of shape {np.shape(xs)}")
        xs = [np.asarray(x) for x in xs]
        if not self.built:
            self.build([x.shape[1:] for x in xs],
                       np.float64 if all(x.dtype == np.float64 for x in xs) else np.float32)
        got = [x.shape[1:] for x in xs]
        if got != list(self.input_shape) or len({len(x) for x in xs}) != 1:
            raise ValueError(f"{self.name} ({type(self).__name__}): expected inputs of shapes "
                             f"{[(None,) + s for s in self.input_shape]}, got "
                             f"{[x.shape for x in xs]}")
        return [np.ascontiguousarray(x, dtype=self.dtype) for x in xs]

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return self.unbroadcast(self.input_gradients(grad_y)) if input_grad else None


class Add(Merge):
    """y = x_1 + x_2 + ... ; each dL/dx_i = dL/dy."""

    def forward(self, xs, training=False):
        xs = self._check_inputs(xs)
        self.count = len(xs)
        return sum(xs[1:], xs[0])

    def input_gradients(self, grad_y):
        return [grad_y.copy() for _ in range(self.count)]


class Subtract(Merge):
    """y = x_1 - x_2 (exactly two inputs); dL/dx_1 = dL/dy, dL/dx_2 = -dL/dy."""

    def forward(self, xs, training=False):
        xs = self._check_inputs(xs)
        if len(xs) != 2:
            raise ValueError(f"{self.name} (Subtract): takes exactly 2 inputs, got {len(xs)}")
        return xs[0] - xs[1]

    def input_gradients(self, grad_y):
        return [grad_y.copy(), -grad_y]


class Multiply(Merge):
    """y = x_1 * x_2 * ... elementwise; dL/dx_i = dL/dy * (the product of the others)."""

    def forward(self, xs, training=False):
        self.xs = self._check_inputs(xs)
        return np.prod(np.broadcast_arrays(*self.xs), axis=0)

    def input_gradients(self, grad_y):
        # the product of the others, not y / x_i: an input may be zero
        return [grad_y * np.prod(np.broadcast_arrays(
            *[x for j, x in enumerate(self.xs) if j != i], grad_y)[:-1], axis=0)
            for i in range(len(self.xs))]


class Average(Merge):
    """y = (x_1 + ... + x_n) / n; each dL/dx_i = dL/dy / n."""

    def forward(self, xs, training=False):
        xs = self._check_inputs(xs)
        self.count = len(xs)
        return sum(xs[1:], xs[0]) / self.dtype.type(self.count)

    def input_gradients(self, grad_y):
        return [grad_y / self.dtype.type(self.count) for _ in range(self.count)]


class Maximum(Merge):
    """y = the elementwise maximum of the inputs. The gradient goes to the input
    that gave it; on a tie, to the first such input (NumPy's argmax order)."""

    def forward(self, xs, training=False):
        xs = np.broadcast_arrays(*self._check_inputs(xs))
        self.winner = np.argmax(xs, axis=0)
        return np.max(xs, axis=0)

    def input_gradients(self, grad_y):
        return [np.where(self.winner == i, grad_y, 0).astype(self.dtype)
                for i in range(len(self.input_shape))]


class Minimum(Maximum):
    """y = the elementwise minimum; the gradient to the first input that gave it."""

    def forward(self, xs, training=False):
        xs = np.broadcast_arrays(*self._check_inputs(xs))
        self.winner = np.argmin(xs, axis=0)
        return np.min(xs, axis=0)


class Concatenate(Merge):
    """Join the inputs along ``axis`` (the last, channels, by default; not the batch).
    Their shapes agree but for that axis. Backward: dL/dy cut back into the pieces."""

    def __init__(self, axis=-1, name=None, **keras_only):
        super().__init__(name, **keras_only)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis == 0:
            raise ValueError(f"{self.name} (Concatenate): axis must be an int other than 0 "
                             f"(the batch), got {axis!r}")
        self.axis = int(axis)

    def get_config(self):
        return {"name": self.name, "axis": self.axis}

    def sample_axis(self, rank):
        """The axis in a sample's shape (the batch's axis 1 is the sample's 0)."""
        return self.axis - 1 if self.axis > 0 else rank + self.axis

    def compute_output_shape(self, input_shape):
        rank = len(input_shape[0])
        axis = self.sample_axis(rank)
        others = {tuple(np.delete(s, axis)) for s in input_shape if len(s) == rank}
        if not 0 <= axis < rank or len(others) != 1 or any(len(s) != rank for s in input_shape):
            raise ValueError(f"{self.name} (Concatenate): inputs must agree in every axis but "
                             f"axis {self.axis}; got {', '.join(str((None,) + tuple(s)) for s in input_shape)}")
        shape = list(input_shape[0])
        shape[axis] = sum(s[axis] for s in input_shape)
        return tuple(shape)

    def forward(self, xs, training=False):
        xs = self._check_inputs(xs)
        return np.concatenate(xs, axis=self.sample_axis(len(self.output_shape)) + 1)

    def input_gradients(self, grad_y):
        axis = self.sample_axis(len(self.output_shape))
        bounds = np.cumsum([s[axis] for s in self.input_shape])[:-1]
        return [part.copy() for part in np.split(grad_y, bounds, axis=axis + 1)]


class Dot(Merge):
    """The dot product of two vectors per sample: x_1, x_2 (N, D) -> y (N, 1),
    y = sum_k x_1[k] x_2[k]; with normalize=True each vector is first divided by
    its length (the cosine similarity). Backward: dL/dx_1 = dL/dy * x_2 (and the
    other way round); through the normalisation, the part along the vector is taken
    out: d(u/|u|) = (du - (u/|u|) (u/|u| . du)) / |u|."""

    def __init__(self, axes=-1, normalize=False, name=None, **keras_only):
        super().__init__(name, **keras_only)
        if axes not in (-1, 1, (1, 1), [1, 1], (-1, -1), [-1, -1]):
            raise ValueError(f"{self.name} (Dot): minicnn takes the dot product of vectors "
                             f"(axes=-1 or 1), got axes={axes!r}")
        self.axes, self.normalize = axes, bool(normalize)

    def get_config(self):
        return {"name": self.name, "axes": self.axes, "normalize": self.normalize}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2 or any(len(s) != 1 for s in input_shape) or \
                input_shape[0] != input_shape[1]:
            raise ValueError(f"{self.name} (Dot): takes two vectors of one length per sample, "
                             f"got {', '.join(str((None,) + tuple(s)) for s in input_shape)}")
        return (1,)

    def forward(self, xs, training=False):
        a, b = self._check_inputs(xs)
        if self.normalize:
            self.lengths = [np.sqrt(np.maximum((v * v).sum(axis=1, keepdims=True), 1e-12))
                            for v in (a, b)]
            a, b = a / self.lengths[0], b / self.lengths[1]
        self.units = (a, b)
        return (a * b).sum(axis=1, keepdims=True)

    def input_gradients(self, grad_y):
        a, b = self.units
        grads = [grad_y * b, grad_y * a]
        if self.normalize:
            grads = [(g - u * (u * g).sum(axis=1, keepdims=True)) / length
                     for g, u, length in zip(grads, (a, b), self.lengths)]
        return grads


def _is_list_of_shapes(shape):
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and all(
        isinstance(s, (list, tuple)) for s in shape)


# Keras's functional shorthands: the layer, made and called on the list at once
def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
