"""RadialProfile: each channel's mean and spread in rings around the image's centre, a
layer with no weights that turns an image into a few numbers describing brightness,
colour, concentration and how far each ring is from round (minicnn's own; Keras has
none). The galaxy project's probe without a CNN puts one Dense softmax on it: what a
CNN must beat to have learnt more than these."""
import numpy as np

from minicnn.arguments import check_positive_int
from minicnn.layers.base import Layer

EPSILON = 1e-6  # keeps the spread's gradient finite on a ring of one value


def ring_weights(height, width, rings):
    """(rings, height * width): row r averages the pixels whose centre lies in ring r,
    rings of equal width from the centre out to the nearest edge (the corners beyond
    it are left out)."""
    rows, cols = np.mgrid[0:height, 0:width]
    radius = np.hypot(rows - (height - 1) / 2, cols - (width - 1) / 2) / (min(height, width) / 2)
    ring = np.floor(radius * rings).astype(np.int64).ravel()
    weights = np.zeros((rings, height * width))
    inside = ring < rings
    weights[ring[inside], np.flatnonzero(inside)] = 1.0
    counts = weights.sum(axis=1, keepdims=True)
    if (counts == 0).any():
        raise ValueError(f"RadialProfile: {rings} rings on {height}x{width} images leave a "
                         f"ring without pixels; use fewer rings")
    return weights / counts


class RadialProfile(Layer):
    """(N, H, W, C) -> (N, 2 * rings * C): for ring r and channel c, the mean
    m = sum_p A[r, p] x[p, c] (A = ring_weights: a linear map), then the spread
    s = sqrt(sum_p A[r, p] (x[p, c] - m)^2 + EPSILON) (an edge-on galaxy's rings are far
    from round: bright along the disc, dark beside it). Output: the means (ring-major),
    then the spreads. Backward: dL/dx[p] = A[r, p] (dL/dm + (x[p] - m) dL/ds / s) for
    the ring r of pixel p (the mean's own change cancels in the spread's gradient)."""
    independent_samples = True

    def __init__(self, rings=16, name=None, input_shape=None):
        super().__init__(name, input_shape)
        self.rings = check_positive_int(self.name, "rings", rings)

    def get_config(self):
        return {"name": self.name, "rings": self.rings}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name} (RadialProfile): expects images (height, width, "
                             f"channels), got per-sample shape {tuple(input_shape)}")
        height, width, channels = input_shape
        ring_weights(height, width, self.rings)  # refuses rings without pixels now
        return (2 * self.rings * channels,)

    def forward(self, x, training=False):
        x = self._check_input(x)
        n, height, width, channels = x.shape
        weights = ring_weights(height, width, self.rings).astype(x.dtype)
        pixels = x.reshape(n, height * width, channels)
        mean = weights @ pixels  # (rings, p) @ (n, p, c): one matrix product per image
        # each pixel minus its own ring's mean (pixels outside every ring weigh 0 anyway)
        ring = weights.argmax(axis=0)
        self.centred = pixels - mean[:, ring, :]
        self.spread = np.sqrt(weights @ self.centred ** 2 + EPSILON)
        self.weights_ = weights
        return np.concatenate([mean.reshape(n, -1), self.spread.reshape(n, -1)], axis=1)

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        if not input_grad:
            return None
        height, width, channels = self.input_shape
        n, half = len(grad_y), self.rings * channels
        grad_mean = grad_y[:, :half].reshape(n, self.rings, channels)
        grad_spread = grad_y[:, half:].reshape(n, self.rings, channels)
        grad_x = self.weights_.T @ grad_mean + self.centred * (
            self.weights_.T @ (grad_spread / self.spread))
        return grad_x.reshape(n, height, width, channels)
