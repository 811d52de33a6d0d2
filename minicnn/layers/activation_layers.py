"""The activation layers with options of their own: ReLU (Keras's max_value,
negative_slope, threshold), LeakyReLU, ELU, and PReLU, whose slope is learned.
Each is an elementwise y = f(x); backward multiplies dL/dy by f'(x). The
formulas live in activations.py, beside the other activations."""
import numpy as np

from minicnn import activations
from minicnn.arguments import check_number
from minicnn.layers.base import Layer, initializer_argument, regularizer_argument
from minicnn.layers.core import Activation
from minicnn.seeding import make_rng


class ReLU(Activation):
    """Keras's ReLU(max_value=None, negative_slope=0.0, threshold=0.0), in that order:

        y = min(x, max_value)                   where x > threshold
        y = negative_slope * (x - threshold)    elsewhere
    dL/dx = dL/dy where threshold < x < max_value, negative_slope * dL/dy below the
    threshold, 0 above max_value. ReLU() is max(x, 0); ReLU(6.0) is MobileNet's relu6."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, name=None,
                 input_shape=None, **keras_only):
        super().__init__("relu", name, input_shape)
        self.max_value = None if max_value is None else check_number(
            self.name, "max_value", max_value, low=0)
        self.negative_slope = check_number(self.name, "negative_slope", negative_slope, low=0)
        self.threshold = check_number(self.name, "threshold", threshold)
        if self.max_value is not None or self.negative_slope or self.threshold:
            self.activation = None  # not the plain relu any more (nothing fuses with it)

    def get_config(self):
        return {"name": self.name, "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}

    def options(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value,
                "threshold": self.threshold}

    def forward(self, x, training=False):
        if self.activation == "relu":  # the plain max(x, 0): Activation("relu")'s rule
            return super().forward(x, training)
        self.z = self._check_input(x)
        self.y = activations.relu_with(self.z, **self.options())
        return self.y

    def backward(self, grad_y, input_grad=True):
        if self.activation == "relu":
            return super().backward(grad_y, input_grad)
        return activations.relu_with_backward(self._check_grad(grad_y), self.z, **self.options())


class LeakyReLU(Activation):
    """y = x where x > 0, else negative_slope * x (Keras's default 0.3 for the layer);
    dL/dx = dL/dy where x > 0, else negative_slope * dL/dy."""

    def __init__(self, negative_slope=0.3, name=None, input_shape=None, alpha=None,
                 **keras_only):
        super().__init__("leaky_relu", name, input_shape)
        if alpha is not None:  # Keras 2's name of the slope
            negative_slope = alpha
        self.negative_slope = check_number(self.name, "negative_slope", negative_slope, low=0)

    def get_config(self):
        return {"name": self.name, "negative_slope": self.negative_slope}

    def forward(self, x, training=False):
        self.z = self._check_input(x)
        self.y = activations.leaky_relu(self.z, self.negative_slope)
        return self.y

    def backward(self, grad_y, input_grad=True):
        return activations.leaky_relu_backward(self._check_grad(grad_y), self.y, self.z,
                                               self.negative_slope)


class ELU(Activation):
    """y = x where x > 0, else alpha * (e^x - 1); dL/dx = dL/dy where x > 0, else
    dL/dy * (y + alpha)."""

    def __init__(self, alpha=1.0, name=None, input_shape=None, **keras_only):
        super().__init__("elu", name, input_shape)
        self.alpha = check_number(self.name, "alpha", alpha)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}

    def forward(self, x, training=False):
        self.z = self._check_input(x)
        self.y = activations.elu(self.z, self.alpha)
        return self.y

    def backward(self, grad_y, input_grad=True):
        return activations.elu_backward(self._check_grad(grad_y), self.y, self.z, self.alpha)


class PReLU(Layer):
    """A leaky ReLU whose slopes are learned: y = x where x > 0, else alpha * x, with
    one alpha per input position (Keras's default; ``shared_axes`` shares one alpha
    along those axes, e.g. shared_axes=[1, 2] for one per channel of an image).

    x: (N, *shape) -> y: (N, *shape); alpha: shape, with 1 along shared axes.
    Backward: dL/dx = dL/dy where x > 0, else alpha * dL/dy;
              dL/dalpha = sum over the batch (and shared axes) of dL/dy * x where x <= 0.
    """
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, name=None, input_shape=None, seed=None, **keras_only):
        super().__init__(name, input_shape)
        self.alpha_initializer = initializer_argument(self, "alpha_initializer",
                                                      alpha_initializer)
        self.alpha_regularizer = regularizer_argument(self, "alpha_regularizer",
                                                      alpha_regularizer)
        if self.alpha_regularizer is not None:
            self.regularizers = {"alpha": self.alpha_regularizer}
        if alpha_constraint is not None:
            raise ValueError(f"{self.name} (PReLU): minicnn takes no alpha_constraint")
        self.shared_axes = [] if shared_axes is None else [int(a) for a in np.atleast_1d(
            shared_axes)]
        if any(a < 1 for a in self.shared_axes):
            raise ValueError(f"{self.name} (PReLU): shared_axes are axes of the batch other than "
                             f"0 (1 is the height of an image), got {shared_axes!r}")
        self.seed = seed

    def get_config(self):
        return {"name": self.name, "shared_axes": self.shared_axes or None}

    def param_shapes(self, input_shape):
        shape = list(input_shape)
        for axis in self.shared_axes:
            if axis > len(shape):
                raise ValueError(f"{self.name} (PReLU): shared axis {axis} is outside inputs "
                                 f"of shape {(None,) + tuple(input_shape)}")
            shape[axis - 1] = 1
        return {"alpha": tuple(shape)}

    def init_params(self, input_shape):
        shape = self.param_shapes(input_shape)["alpha"]
        return {"alpha": self.alpha_initializer(shape, np.float64, make_rng(self.seed))}

    def forward(self, x, training=False):
        self.x = self._check_input(x)
        return np.where(self.x > 0, self.x, self.params["alpha"] * self.x)

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        negative = self.x <= 0
        shared = (0,) + tuple(self.shared_axes)
        self.grads["alpha"] = (grad_y * self.x * negative).sum(axis=shared, keepdims=True)[0]
        if not input_grad:
            return None
        return np.where(negative, self.params["alpha"] * grad_y, grad_y)
