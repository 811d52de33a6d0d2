"""Dense, Flatten, Activation, Softmax and Dropout: the small layers, each a
forward/backward pair (ReLU and the other activation layers: activation_layers.py)."""
import numpy as np

from minicnn import activations, regularizers
from minicnn.arguments import check_choice, check_positive_int
from minicnn.layers.base import Layer, keras_default_only, options_config, weight_options
from minicnn.seeding import make_rng

# Keras's defaults for the weights' options, as get_config writes them
WEIGHT_OPTIONS = {"kernel_initializer": "glorot_uniform", "bias_initializer": "zeros",
                  "kernel_regularizer": None, "bias_regularizer": None}


class Dense(Layer):
    """Fully connected layer.

    x: (N, D) -> y: (N, units);  z = x @ W + b,  y = act(z);  W (D, units), b (units,).
    As Keras, x: (N, ..., D) -> y: (N, ..., units), the same at every position.
    Backward: dz = act'(dy); dW = x.T @ dz; db = sum of dz over N; dx = dz @ W.T.

    With activation="softmax" as the last layer and a cross-entropy loss, the
    model hands the loss the logits z (``pre_activation()``) and the loss's
    gradient to ``backward_from_pre_activation``: exact and stable for any
    logits. Called on its own, ``backward`` applies the softmax Jacobian.

    kernel_initializer / bias_initializer: how W and b start (initializers.py;
    Keras's defaults glorot_uniform and zeros). kernel_regularizer /
    bias_regularizer: a penalty on W or b added to the loss (regularizers.py).
    """
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 name=None, seed=None, input_shape=None):
        super().__init__(name, input_shape)
        self.units = check_positive_int(self.name, "units", units)
        self.activation = check_choice(self.name, "activation", activations.name_of(activation),
                                       activations.ACTIVATIONS)
        self.use_bias = bool(use_bias)
        self.seed = seed
        self.regularizers = weight_options(
            self, {"kernel_initializer": kernel_initializer, "bias_initializer": bias_initializer},
            {"kernel_regularizer": (kernel_regularizer, "W"),
             "bias_regularizer": (bias_regularizer, "b" if self.use_bias else None)})
        self.constraints = regularizers.constraint_options(
            self, {"kernel_constraint": (kernel_constraint, "W"),
                   "bias_constraint": (bias_constraint, "b" if self.use_bias else None)})
        keras_default_only(self, activity_regularizer=(activity_regularizer, (None,)))
        self.activity_regularizer = None

    @property
    def kernel(self):
        """Keras's dense.kernel: W as a Variable (dense.bias: b, or None without bias)."""
        return self.variable("W")

    @property
    def bias(self):
        return self.variable("b") if self.use_bias else None

    def get_config(self):
        return {"name": self.name, "units": self.units, "activation": self.activation,
                "use_bias": self.use_bias, **options_config(self, WEIGHT_OPTIONS)}

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError(f"{self.name}: expects per-sample input (features,), got shape "
                             f"{input_shape}")
        return tuple(input_shape[:-1]) + (self.units,)

    def param_shapes(self, input_shape):
        shapes = {"W": (input_shape[-1], self.units)}
        return {**shapes, "b": (self.units,)} if self.use_bias else shapes

    def init_params(self, input_shape):
        rng = make_rng(self.seed)
        return {key: (self.kernel_initializer if key == "W" else self.bias_initializer)(
            shape, np.float64, rng) for key, shape in self.param_shapes(input_shape).items()}

    def forward(self, x, training=False):
        self.x = self._check_input(x)
        if self.x.ndim > 2:  # Keras's Dense on (N, ..., D): the last axis, at every position
            return self._each_position(self.forward, self.x, training)
        self.z = self.x @ self.params["W"]
        if self.use_bias:
            self.z += self.params["b"]
        self.y = activations.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        if grad_y.ndim > 2:
            return self._each_position(self.backward, grad_y, input_grad)
        grad_z = activations.backward(self.activation, grad_y, self.y, self.z)
        return self.backward_from_pre_activation(grad_z, input_grad)

    def pre_activation(self):
        return self.z

    def _each_position(self, step, array, *args):
        """forward (or backward) of an (N, ..., D) batch as one of (N * ..., D) rows."""
        shape_in, shape_out = self.input_shape, self.output_shape
        self.input_shape, self.output_shape = shape_in[-1:], shape_out[-1:]
        try:
            out = step(array.reshape(-1, array.shape[-1]), *args)
        finally:
            self.input_shape, self.output_shape = shape_in, shape_out
        if out is None:
            return None
        leading = array.shape[:-1]
        return out.reshape(leading + out.shape[-1:])

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        grad_z = self._check_grad(grad_z)
        if grad_z.ndim > 2:
            return self._each_position(self.backward_from_pre_activation, grad_z, input_grad)
        self.grads["W"] = self.x.T @ grad_z
        if self.use_bias:
            self.grads["b"] = grad_z.sum(axis=0)
        return grad_z @ self.params["W"].T if input_grad else None


class Flatten(Layer):
    """(N, H, W, C) -> (N, H*W*C), in NHWC (row-major) order, as Keras flattens."""
    independent_samples = True  # one sample's output depends on that sample alone

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        x = self._check_input(x)
        return x.reshape(len(x), -1)

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return grad_y.reshape((len(grad_y),) + self.input_shape)


class Activation(Layer):
    """An activation on its own: y = act(x), elementwise (softmax: per row).
    Backward: the rule of that activation in activations.py."""
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, activation, name=None, input_shape=None):
        super().__init__(name, input_shape)
        self.activation = check_choice(self.name, "activation", activations.name_of(activation),
                                       activations.ACTIVATIONS)

    def get_config(self):
        return {"name": self.name, "activation": self.activation}

    def forward(self, x, training=False):
        self.z = self._check_input(x)
        self.y = activations.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y, input_grad=True):
        return activations.backward(self.activation, self._check_grad(grad_y), self.y, self.z)

    def pre_activation(self):
        return self.z

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        return self._check_grad(grad_z).copy()


class Softmax(Activation):
    """Softmax over ``axis`` (the last by default; an int or a tuple of axes of the
    batch, as Keras): y = exp(x - max) / sum(exp(x - max)) along the axis.
    Backward: dL/dx = y * (dL/dy - sum(dL/dy * y)), the sum along the same axis.
    Over the last axis it ends the model as softmax does, so a cross-entropy loss
    fuses with it (the model hands the loss its input, the logits)."""

    def __init__(self, axis=-1, name=None, input_shape=None):
        super().__init__("softmax", name, input_shape)
        if isinstance(axis, (list, tuple)):
            axis = tuple(axis)
        if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a != 0
                   for a in np.atleast_1d(axis)):
            raise ValueError(f"{self.name}: axis must be an int or a tuple of ints other than 0 "
                             f"(the batch), got {axis!r}")
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "axis": self.axis}

    def build(self, input_shape, dtype=np.float32):
        output_shape = super().build(input_shape, dtype)
        rank = len(self.input_shape) + 1
        axes = sorted(a % rank for a in np.atleast_1d(self.axis))
        if not all(0 < a < rank for a in axes):
            raise ValueError(f"{self.name}: axis {self.axis!r} is outside a batch of rank {rank}")
        self.axes = tuple(axes)
        # only a softmax over each sample's classes (the last axis) is the loss's softmax
        self.activation = "softmax" if self.axes == (rank - 1,) else None
        return output_shape

    def forward(self, x, training=False):
        self.z = self._check_input(x)
        self.y = activations.softmax(self.z, self.axes)
        return self.y

    def backward(self, grad_y, input_grad=True):
        return activations.softmax_backward(self._check_grad(grad_y), self.y, self.axes)


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability ``rate``
    and scale the survivors by 1 / (1 - rate), so nothing changes at test time.

    y = x * mask,  mask = keep / (1 - rate);  dL/dx = dL/dy * mask.
    Outside training it is the identity, forward and backward.
    """
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, rate, name=None, seed=None, input_shape=None):
        super().__init__(name, input_shape)
        if not isinstance(rate, (int, float, np.floating)) or not 0 <= rate < 1:
            raise ValueError(f"{self.name}: rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng = make_rng(seed)

    def get_config(self):
        return {"name": self.name, "rate": self.rate}

    def draw_randomness(self, n):
        """The keep mask of a training forward on n samples: (n, *input_shape), True
        where an input survives (and the generator advanced by as much)."""
        if self.rate == 0:
            return None
        return self.rng.random((n,) + self.input_shape, dtype=self.dtype) >= self.rate

    def forward(self, x, training=False):
        x = self._check_input(x)
        if not training or self.rate == 0:
            self.mask = None
            return x
        keep = self.draw_randomness(len(x))
        self.mask = keep.astype(self.dtype) / self.dtype.type(1 - self.rate)
        return x * self.mask

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return grad_y.copy() if self.mask is None else grad_y * self.mask
