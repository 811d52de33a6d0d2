"""Where fit, evaluate and predict get their batches.

Arrays (x, y) are served by the loader's own ``NumpyArrayIterator`` (with no
augmentation), so arrays and image folders are batched by one implementation.
A loader is anything with ``__len__`` and ``__getitem__`` (a Keras Sequence,
minicnn's iterators) or with ``__next__`` (a generator); a batch it yields is
x, (x, y) or (x, y, sample_weight).
"""
import numpy as np

from minicnn.preprocessing.iterators import NumpyArrayIterator
from minicnn.seeding import make_rng


def is_arrays(x):
    return isinstance(x, (np.ndarray, list))


class Batches:
    """One epoch's worth of (x, y) batches, again for every epoch.

    steps: batches per epoch; by default one pass over the data (arrays, or a
    loader with ``__len__``). Past the end, arrays and loaders wrap around.
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=False, seed=None, steps=None):
        if is_arrays(x):
            x = np.asarray(x)
            if y is not None and len(y) != len(x):
                raise ValueError(f"x has {len(x)} samples but y has {len(y)}")
            seed = int(make_rng(seed).integers(2**63)) if shuffle else 0
            self.source = NumpyArrayIterator(x, y, None, batch_size, shuffle, seed)
        else:
            self.source = x
        if steps is not None:
            self.steps = int(steps)
        elif hasattr(self.source, "__len__"):
            self.steps = len(self.source)
        else:
            raise ValueError("steps_per_epoch is needed for a loader without __len__ (a generator)")

    def __len__(self):
        return self.steps

    def __iter__(self):
        source = self.source
        for i in range(self.steps):
            if hasattr(source, "__getitem__") and hasattr(source, "__len__"):
                batch = source[i % len(source)]
            else:
                batch = next(source)
            if isinstance(batch, tuple):
                yield batch[0], (batch[1] if len(batch) > 1 else None)
            else:
                yield batch, None

    def end_epoch(self):
        if hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()


def validation_pair(validation_data):
    """(x, y) from validation_data: a pair of arrays, or a loader (y in its batches)."""
    return validation_data if isinstance(validation_data, tuple) else (validation_data, None)


def split_off_validation(x, y, fraction):
    """Keras's validation_split: the last ``fraction`` of the arrays, before shuffling."""
    if not is_arrays(x) or y is None:
        raise ValueError("fit: validation_split works with arrays (x, y); for a loader, pass "
                         "validation_data (e.g., a subset='validation' iterator)")
    if not 0 < fraction < 1:
        raise ValueError(f"fit: validation_split must be in (0, 1), got {fraction}")
    cut = int(len(x) * (1 - fraction))
    return x[:cut], y[:cut], (x[cut:], y[cut:])
