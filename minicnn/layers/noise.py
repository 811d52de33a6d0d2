"""Noise layers, like Dropout active in training only (identity in predict and
evaluate): GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout2D. Each
draws its random numbers in ``draw_randomness`` (layers/base.py says why) and
multiplies or shifts its input by them; backward multiplies dL/dy by the same factor."""
import numpy as np

from minicnn.arguments import check_number
from minicnn.layers.base import Layer
from minicnn.layers.core import Dropout
from minicnn.seeding import make_rng


class Noise(Layer):
    """What the noise layers share: a rate or stddev, a generator, and forward =
    ``apply(x, drawn)`` in training, x itself otherwise."""
    independent_samples = True

    def __init__(self, name, seed, input_shape):
        super().__init__(name, input_shape)
        self.seed = seed
        self.rng = make_rng(seed)

    def forward(self, x, training=False):
        x = self._check_input(x)
        self.factor = None
        if not training:
            return x
        return self.apply(x, self.draw_randomness(len(x)))

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return grad_y.copy() if self.factor is None else grad_y * self.factor


class GaussianNoise(Noise):
    """y = x + e, e ~ N(0, stddev^2) drawn per value, in training; dL/dx = dL/dy."""

    def __init__(self, stddev, seed=None, name=None, input_shape=None, **keras_only):
        super().__init__(name, seed, input_shape)
        self.stddev = check_number(self.name, "stddev", stddev, low=0)

    def get_config(self):
        return {"name": self.name, "stddev": self.stddev, "seed": self.seed}

    def draw_randomness(self, n):
        return self.rng.normal(0, self.stddev, (n,) + self.input_shape).astype(self.dtype)

    def apply(self, x, noise):
        self.factor = None  # the gradient passes unchanged
        return x + noise


class GaussianDropout(Noise):
    """y = x * m, m ~ N(1, rate / (1 - rate)) drawn per value, in training;
    dL/dx = dL/dy * m."""

    def __init__(self, rate, seed=None, name=None, input_shape=None, **keras_only):
        super().__init__(name, seed, input_shape)
        self.rate = check_number(self.name, "rate", rate, low=0, high=1, high_open=True)

    def get_config(self):
        return {"name": self.name, "rate": self.rate, "seed": self.seed}

    def draw_randomness(self, n):
        stddev = np.sqrt(self.rate / (1 - self.rate))
        return self.rng.normal(1, stddev, (n,) + self.input_shape).astype(self.dtype)

    def apply(self, x, factor):
        self.factor = factor
        return x * factor


class AlphaDropout(Noise):
    """Dropout for SELU networks, keeping their mean and variance: each value is
    kept with probability 1 - rate, else set to alpha' = -selu's scale * alpha; then
    y = a * that + b, with a = ((1 - rate)(1 + rate alpha'^2))^(-1/2), b = -a alpha' rate
    (Keras's formula). dL/dx = dL/dy * a where kept, else 0."""

    def __init__(self, rate, noise_shape=None, seed=None, name=None, input_shape=None,
                 **keras_only):
        super().__init__(name, seed, input_shape)
        self.rate = check_number(self.name, "rate", rate, low=0, high=1, high_open=True)
        if noise_shape is not None:
            raise ValueError(f"{self.name} (AlphaDropout): minicnn draws one number per value "
                             f"(noise_shape=None only)")

    def get_config(self):
        return {"name": self.name, "rate": self.rate, "seed": self.seed}

    def draw_randomness(self, n):
        return self.rng.random((n,) + self.input_shape) >= self.rate

    def apply(self, x, keep):
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        keep = keep.astype(self.dtype)
        self.factor = keep * self.dtype.type(a)
        return (a * (x * keep + alpha_p * (1 - keep)) + b).astype(self.dtype)


class SpatialDropout2D(Dropout):
    """Dropout of whole channels: in training each feature map of each image is
    zeroed with probability ``rate`` (neighbouring pixels are correlated, so dropping
    single pixels does little), the others scaled by 1 / (1 - rate).
    x: (N, H, W, C); mask (N, 1, 1, C). dL/dx = dL/dy * mask."""

    def __init__(self, rate, data_format=None, seed=None, name=None, input_shape=None,
                 **keras_only):
        super().__init__(rate, name=name, seed=seed, input_shape=input_shape)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expects images (height, width, channels), got "
                             f"per-sample shape {tuple(input_shape)}")
        return input_shape

    def draw_randomness(self, n):
        if self.rate == 0:
            return None
        keep = self.rng.random((n, 1, 1, self.input_shape[2]), dtype=self.dtype) >= self.rate
        return np.broadcast_to(keep, (n,) + self.input_shape)
