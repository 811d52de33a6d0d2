"""Where fit, evaluate and predict get their batches, checked before any work.

Arrays (x, y) are served by the loader's own ``NumpyArrayIterator`` (with no
augmentation), so arrays and image folders are batched by one implementation.
A loader is anything with ``__len__`` and ``__getitem__`` (a Keras Sequence,
minicnn's iterators) or with ``__next__`` (a generator); a batch it yields is
x, (x, y) or (x, y, sample_weight). Batches come out as (x, y, w) triples,
y and w None where absent.
"""
import warnings

import numpy as np

from minicnn import losses
from minicnn.arguments import check_positive_int
from minicnn.preprocessing.iterators import NumpyArrayIterator
from minicnn.seeding import make_rng


def is_arrays(x):
    return isinstance(x, (np.ndarray, list))


def is_loader(x):
    if isinstance(x, (dict, str, bytes, tuple, list)):
        return False
    return (hasattr(x, "__getitem__") and hasattr(x, "__len__")) or hasattr(x, "__next__")


def check_steps(owner, arg, steps):
    """A positive step count. Lessons pass samples / batch_size, a float (15.69
    for 251 images in batches of 16): rounded up, so that every sample is seen."""
    if isinstance(steps, (float, np.floating)) and np.isfinite(steps) and steps > 0:
        return int(np.ceil(steps))
    return check_positive_int(owner, arg, steps)


def batch_size_or_default(owner, batch_size):
    return 32 if batch_size is None else check_positive_int(owner, "batch_size", batch_size)


class Batches:
    """One epoch's worth of (x, y, w) batches, again for every epoch.

    steps: batches per epoch; by default one pass over the data (arrays, or a
    loader with ``__len__``). Past the end, arrays and loaders wrap around.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, seed=None,
                 steps=None, owner="fit"):
        if steps is not None:
            steps = check_steps(owner, "steps" if owner != "fit" else "steps_per_epoch", steps)
        if is_arrays(x):
            x = np.asarray(x)
            if x.ndim == 0 or len(x) == 0:
                raise ValueError(f"{owner}: x holds no samples (shape {x.shape})")
            for name, array in (("y", y), ("sample_weight", sample_weight)):
                if array is not None and len(array) != len(x):
                    raise ValueError(f"{owner}: x has {len(x)} samples but {name} has {len(array)}")
            seed = int(make_rng(seed).integers(2**63)) if shuffle else 0
            self.source = NumpyArrayIterator(x, y, None, batch_size, shuffle, seed,
                                             sample_weight=sample_weight)
        elif is_loader(x):
            self.source = x
        else:
            raise TypeError(f"{owner}: expected arrays or a loader (an iterator from "
                            f"flow_from_directory or flow, a Sequence, a generator), "
                            f"got {type(x).__name__}")
        if steps is None and not hasattr(self.source, "__len__"):
            raise ValueError(f"{owner}: give steps_per_epoch (or steps) for a loader without "
                             f"__len__ (a generator)")
        self.steps = steps if steps is not None else len(self.source)
        if self.steps == 0:
            raise ValueError(f"{owner}: the loader yields no batches (it holds no samples)")

    def __len__(self):
        return self.steps

    def __iter__(self):
        source = self.source
        for i in range(self.steps):
            if hasattr(source, "__getitem__") and hasattr(source, "__len__"):
                batch = source[i % len(source)]
            else:
                batch = next(source)
            if not isinstance(batch, (tuple, list)):
                batch = (batch,)
            yield tuple(batch) + (None,) * (3 - len(batch))

    def end_epoch(self):
        if hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()


def validation_batches(validation_data, batch_size, steps=None):
    """Batches over Keras's forms of validation_data: (x, y), [x, y], (x, y,
    sample_weight), or a loader. None (with a warning) when it holds no sample.
    Anything else is refused here, before training starts."""
    if validation_data is None:
        return None
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        x, y, w = tuple(validation_data) + (None,) * (3 - len(validation_data))
        if not is_arrays(x):
            raise TypeError(f"fit: validation_data must hold arrays (x, y[, sample_weight]), "
                            f"got x of type {type(x).__name__}")
        if len(x) == 0:
            warnings.warn("fit: validation_data holds no samples; no validation is logged",
                          stacklevel=3)
            return None
        return Batches(x, y, w, batch_size, steps=steps, owner="fit (validation_data)")
    if is_loader(validation_data):
        if hasattr(validation_data, "__len__") and len(validation_data) == 0:
            warnings.warn("fit: validation_data yields no batches; no validation is logged",
                          stacklevel=3)
            return None
        return Batches(validation_data, batch_size=batch_size, steps=steps,
                       owner="fit (validation_data)")
    raise TypeError(f"fit: validation_data must be (x, y), (x, y, sample_weight) or a loader, "
                    f"got {type(validation_data).__name__}"
                    + (f" of length {len(validation_data)}"
                       if isinstance(validation_data, (tuple, list)) else ""))


def split_off_validation(x, y, sample_weight, fraction):
    """Keras's validation_split: the last ``fraction`` of the arrays, before
    shuffling. Returns (x, y, sample_weight, validation_data or None)."""
    if not is_arrays(x) or y is None:
        raise ValueError("fit: validation_split works with arrays (x, y); for a loader, pass "
                         "validation_data (e.g., a subset='validation' iterator)")
    if not 0 < fraction < 1:
        raise ValueError(f"fit: validation_split must be in (0, 1), got {fraction}")
    if len(y) != len(x):
        raise ValueError(f"fit: x has {len(x)} samples but y has {len(y)}")
    cut = int(len(x) * (1 - fraction))
    if cut == 0 or cut == len(x):  # as Keras: refuse rather than train or validate on nothing
        raise ValueError(f"fit: validation_split={fraction} of {len(x)} samples leaves "
                         f"{cut} for training and {len(x) - cut} for validation; give more data "
                         f"or another validation_split")
    weights = (None, None) if sample_weight is None else (sample_weight[:cut], sample_weight[cut:])
    return x[:cut], y[:cut], weights[0], (x[cut:], y[cut:], weights[1])


def fit_batches(x, y, batch_size, validation_split, validation_data, shuffle, class_weight,
                sample_weight, initial_epoch, epochs, steps_per_epoch, validation_steps,
                validation_batch_size, seed):
    """fit's data: (training Batches, validation Batches or None, class weights
    {class: weight} or None), every argument checked before any work."""
    batch_size = batch_size_or_default("fit", batch_size)
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"fit: {name} must be an int >= 0, got {value!r}")
    if is_arrays(x) and y is None:
        raise ValueError("fit: y (the targets) is needed when x is an array")
    if class_weight is not None and sample_weight is not None:
        raise ValueError("fit: give class_weight or sample_weight, not both (as Keras)")
    if is_arrays(x) and len(y) != len(x):  # in the user's counts, before any split
        raise ValueError(f"fit: x has {len(x)} samples but y has {len(y)}")
    if validation_split and validation_data is None:
        x, y, sample_weight, validation_data = split_off_validation(
            x, y, sample_weight, validation_split)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"fit: class_weight must be a dict or 'balanced', got {class_weight!r}")
        labels = y if is_arrays(x) else getattr(x, "classes", None)
        if labels is None:
            raise ValueError("fit: class_weight='balanced' needs the labels: arrays y, or a "
                             "loader with .classes (flow_from_directory's iterators)")
        class_weight = losses.balanced_class_weight(labels)
    elif class_weight is not None:
        losses.class_weight_to_sample_weights(np.zeros(0), class_weight)  # checks its form
    train = Batches(x, y, sample_weight, batch_size, shuffle, seed, steps_per_epoch)
    validation = validation_batches(
        validation_data, batch_size_or_default("fit", validation_batch_size or batch_size),
        validation_steps)
    return train, validation, class_weight
