"""Dense, Flatten, ReLU and Dropout: the small layers, each a forward/backward pair."""
import numpy as np

from minicnn import activations
from minicnn.layers.base import Layer, check_choice, glorot_uniform
from minicnn.seeding import make_rng


class Dense(Layer):
    """Fully connected layer.

    x: (N, D) -> y: (N, units);  y = act(x @ W + b), W (D, units), b (units,).
    Backward: dz = act'(dy); dW = x.T @ dz; db = sum of dz over N; dx = dz @ W.T.

    activation="softmax" is meant for the last layer: the model then hands the
    pre-softmax logits ``z`` to the fused softmax-cross-entropy loss and calls
    ``backward_from_logits``, which is exact and stable for any logit size.
    Called on its own, ``backward`` applies the softmax Jacobian.
    """

    def __init__(self, units, activation=None, use_bias=True, name=None, seed=None):
        super().__init__(name)
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"{self.name}: units must be a positive int, got {units!r}")
        self.units = int(units)
        self.activation = check_choice(self.name, "activation", activation, activations.ACTIVATIONS)
        self.use_bias = bool(use_bias)
        self.seed = seed

    def get_config(self):
        return {"name": self.name, "units": self.units, "activation": self.activation,
                "use_bias": self.use_bias}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(f"{self.name}: expects per-sample input (features,), got shape "
                             f"{input_shape}; add a Flatten layer before it")
        return (self.units,)

    def init_params(self, input_shape):
        rng = make_rng(self.seed)
        params = {"W": glorot_uniform(rng, (input_shape[0], self.units),
                                      fan_in=input_shape[0], fan_out=self.units)}
        if self.use_bias:
            params["b"] = np.zeros(self.units)
        return params

    def forward(self, x, training=False):
        self.x = self._check_input(x)
        self.z = self.x @ self.params["W"]
        if self.use_bias:
            self.z += self.params["b"]
        self.y = activations.forward(self.activation, self.z)
        return self.y

    def backward(self, grad_y):
        return self.backward_from_logits(activations.backward(self.activation, grad_y, self.y))

    def backward_from_logits(self, grad_z):
        """Backward from the gradient with respect to z = x @ W + b (before the activation)."""
        self.grads["W"] = self.x.T @ grad_z
        if self.use_bias:
            self.grads["b"] = grad_z.sum(axis=0)
        return grad_z @ self.params["W"].T if self.needs_input_grad else None


class Flatten(Layer):
    """(N, H, W, C) -> (N, H*W*C), in NHWC (row-major) order, as Keras flattens."""

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        x = self._check_input(x)
        return x.reshape(len(x), -1)

    def backward(self, grad_y):
        return grad_y.reshape((len(grad_y),) + self.input_shape)


class ReLU(Layer):
    """y = max(x, 0), elementwise; dL/dx = dL/dy where x > 0, else 0."""

    def forward(self, x, training=False):
        self.y = activations.forward("relu", self._check_input(x))
        return self.y

    def backward(self, grad_y):
        return activations.relu_backward(grad_y, self.y)


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability ``rate``
    and scale the survivors by 1 / (1 - rate), so nothing changes at test time.

    y = x * mask,  mask = keep / (1 - rate);  dL/dx = dL/dy * mask.
    Outside training it is the identity, forward and backward.
    """

    def __init__(self, rate, name=None, seed=None):
        super().__init__(name)
        if not isinstance(rate, (int, float, np.floating)) or not 0 <= rate < 1:
            raise ValueError(f"{self.name}: rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng = make_rng(seed)

    def get_config(self):
        return {"name": self.name, "rate": self.rate}

    def forward(self, x, training=False):
        x = self._check_input(x)
        if not training or self.rate == 0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=self.dtype) >= self.rate
        self.mask = keep.astype(self.dtype) / self.dtype.type(1 - self.rate)
        return x * self.mask

    def backward(self, grad_y):
        return grad_y.copy() if self.mask is None else grad_y * self.mask
