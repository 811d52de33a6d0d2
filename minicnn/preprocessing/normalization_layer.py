"""Normalization: features standardised with a mean and variance learned from the
data by ``adapt`` (or given), as Keras's preprocessing layer."""
import numpy as np

from minicnn.layers.base import Layer

EPSILON = 1e-7  # keras.backend.epsilon(): the smallest standard deviation divided by


class Normalization(Layer):
    """y = (x - mean) / max(sqrt(variance), 1e-7), per index of ``axis`` (the last,
    channels, by default); invert=True computes x from y instead:
    y = mean + x * max(sqrt(variance), 1e-7).

    ``adapt(data)`` (arrays, or an iterable of batches) sets mean and variance over
    every other axis of the data: one value per channel. Or give mean= and variance=.
    State: mean, variance (per channel), count (samples seen), as Keras keeps them.
    Backward: dL/dx = dL/dy / std (invert: * std)."""
    independent_samples = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, name=None,
                 input_shape=None, **keras_only):
        super().__init__(name, input_shape)
        if axis not in (-1, (-1,), [-1]):
            raise ValueError(f"{self.name} (Normalization): minicnn normalises per channel "
                             f"(axis=-1), got {axis!r}")
        if (mean is None) != (variance is None):
            raise ValueError(f"{self.name} (Normalization): give both mean and variance, or "
                             f"neither (and call adapt)")
        self.axis, self.invert = -1, bool(invert)
        self.given = None if mean is None else (np.asarray(mean, np.float64),
                                                np.asarray(variance, np.float64))

    def get_config(self):
        return {"name": self.name, "axis": self.axis, "invert": self.invert}

    def state_shapes(self, input_shape):
        return {"mean": (input_shape[-1],), "variance": (input_shape[-1],), "count": ()}

    def init_state(self, input_shape):
        channels = input_shape[-1]
        mean, variance = (np.zeros(channels), np.ones(channels)) if self.given is None else (
            np.broadcast_to(self.given[0], (channels,)), np.broadcast_to(self.given[1],
                                                                        (channels,)))
        return {"mean": np.array(mean), "variance": np.array(variance), "count": np.zeros(())}

    def adapt(self, data, batch_size=None, steps=None):
        """Set mean and variance from ``data``: an array (N, ..., C), or batches of them
        (a list, a generator, a tf.data-style Dataset of images or of (images, labels)).
        Combined batch by batch: the mean and variance of everything."""
        total, total_sq, count = 0.0, 0.0, 0
        for batch in _batches(data):
            batch = np.asarray(batch, np.float64)
            if not self.built:
                self.build(batch.shape[1:])
            values = batch.reshape(-1, batch.shape[-1])
            total, total_sq = total + values.sum(axis=0), total_sq + (values ** 2).sum(axis=0)
            count += len(values)
        if count == 0:
            raise ValueError(f"{self.name}.adapt: no data")
        mean = total / count
        self.state["mean"][...] = mean
        self.state["variance"][...] = np.maximum(total_sq / count - mean ** 2, 0)
        self.state["count"][...] = count

    @property
    def mean(self):
        """Keras's: the mean shaped to broadcast over a batch, (1, ..., 1, C)."""
        return self._broadcast("mean")

    @property
    def variance(self):
        return self._broadcast("variance")

    def _broadcast(self, key):
        if not self.built:
            raise ValueError(f"{self.name} (Normalization): not built yet; call adapt(data) or "
                             f"the layer on data first")
        return self.state[key].reshape((1,) * len(self.input_shape) + (-1,))

    def std(self):
        return np.maximum(np.sqrt(self.state["variance"]), EPSILON).astype(self.dtype)

    def forward(self, x, training=False):
        x = self._check_input(x)
        mean = self.state["mean"].astype(self.dtype)
        if self.invert:
            return mean + x * self.std()
        return (x - mean) / self.std()

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return grad_y * self.std() if self.invert else grad_y / self.std()


def _batches(data):
    """Arrays from what adapt takes: one array, or batches (a pair's first element)."""
    if isinstance(data, np.ndarray) or hasattr(data, "numpy") and not hasattr(data, "__iter__"):
        yield np.asarray(data)
        return
    if hasattr(data, "as_numpy_iterator"):
        data = data.as_numpy_iterator()
    for batch in data:
        yield np.asarray(batch[0] if isinstance(batch, (tuple, list)) else batch)
