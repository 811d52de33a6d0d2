"""keras.random: random tensors, drawn with minicnn's generators (seeded by
keras.utils.set_random_seed / minicnn.set_seed, or by seed=)."""
import numpy as np

from minicnn.compat.missing import missing_names
from minicnn.seeding import make_rng
from minicnn.tape.tensor import Tensor, value_of


class SeedGenerator:
    """Keras's SeedGenerator: a generator of its own, from ``seed``."""

    def __init__(self, seed=None, **keras_only):
        self.rng = make_rng(seed)


def _rng(seed):
    return seed.rng if isinstance(seed, SeedGenerator) else make_rng(seed)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return Tensor(_rng(seed).normal(mean, stddev, shape).astype(dtype or np.float32))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return Tensor(_rng(seed).uniform(minval, maxval, shape).astype(dtype or np.float32))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return Tensor(_rng(seed).integers(minval, maxval, shape).astype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values redrawn until within two standard deviations of the mean."""
    rng = _rng(seed)
    values = rng.normal(0, 1, shape)
    while np.any(np.abs(values) > 2):
        outside = np.abs(values) > 2
        values[outside] = rng.normal(0, 1, int(outside.sum()))
    return Tensor((mean + stddev * values).astype(dtype or np.float32))


def shuffle(x, axis=0, seed=None):
    x = np.asarray(value_of(x))
    return Tensor(np.take(x, _rng(seed).permutation(x.shape[axis]), axis=axis))


def dropout(inputs, rate, noise_shape=None, seed=None):
    x = np.asarray(value_of(inputs))
    keep = _rng(seed).random(noise_shape or x.shape) >= rate
    return Tensor((x * keep / (1 - rate)).astype(x.dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """num_samples class indices per row, drawn with probabilities softmax(logits)."""
    logits = np.asarray(value_of(logits), dtype=np.float64)
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    rng = _rng(seed)
    return Tensor(np.stack([rng.choice(len(row), num_samples, p=row) for row in p]).astype(dtype))


__all__ = ["SeedGenerator", "normal", "uniform", "randint", "truncated_normal", "shuffle",
           "dropout", "categorical"]
__getattr__ = missing_names("keras.random", {}, __all__)
