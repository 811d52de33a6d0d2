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
from minicnn.arguments import check_positive_int, color_mode_advice
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


def check_numbers(owner, name, array, finite=True, nonnegative=False):
    """A numeric array (bools count), finite and >= 0 where asked; a ValueError naming it."""
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{owner}: {name} must hold numbers, got dtype {array.dtype}")
    if array.dtype.kind == "f" and finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{owner}: {name} holds NaN or infinite values")
    if nonnegative and array.size and array.min() < 0:
        raise ValueError(f"{owner}: {name} holds negative values ({array.min()}); weights "
                         f"must be >= 0")
    return array


class Batches:
    """One epoch's worth of (x, y, w) batches, again for every epoch.

    steps: batches per epoch; by default one pass over the data (arrays, or a
    loader with ``__len__``). Past the end, arrays and loaders wrap around.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, seed=None,
                 steps=None, owner="fit", steps_arg=None):
        steps_arg = steps_arg or ("steps" if owner != "fit" else "steps_per_epoch")
        if steps is not None:
            steps = check_steps(owner, steps_arg, steps)
        if is_arrays(x):
            x = np.asarray(x)
            if x.ndim == 0 or len(x) == 0:
                raise ValueError(f"{owner}: x holds no samples (shape {x.shape})")
            check_numbers(owner, "x", x, finite=False)
            for name, array in (("y", y), ("sample_weight", sample_weight)):
                if array is not None and len(array) != len(x):
                    raise ValueError(f"{owner}: x has {len(x)} samples but {name} has {len(array)}")
            if y is not None:
                y = check_numbers(owner, "y", y)
            if sample_weight is not None:
                sample_weight = check_numbers(owner, "sample_weight", sample_weight,
                                              nonnegative=True)
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
            raise ValueError(f"{owner}: give {steps_arg} for a loader without __len__ "
                             f"(a generator): how many batches to take from it")
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


class Several:
    """Batches of several inputs or outputs (lists of arrays of one length), as a
    loader: ``several[i]`` is (x list, y list or None, sample_weight or None) of batch
    i, rows in one order for all the arrays, shuffled anew each epoch when asked."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, seed=None,
                 owner="fit"):
        self.x, self.y, self.w = list(x), None if y is None else list(y), sample_weight
        lengths = {len(a) for a in self.x + (self.y or [])}
        if sample_weight is not None:
            lengths.add(len(sample_weight))
        if len(lengths) != 1:
            raise ValueError(f"{owner}: the inputs, targets and weights must have one number of "
                             f"samples, got lengths {sorted(lengths)}")
        self.n = lengths.pop()
        self.batch_size, self.shuffle = batch_size, shuffle
        self.rng = make_rng(seed)
        self.order = np.arange(self.n)
        self.on_epoch_end()

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __getitem__(self, i):
        rows = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        return self._part(rows)

    def _part(self, rows):
        """The rows of every array; a list of one array given as the array itself."""
        x = [a[rows] for a in self.x]
        y = None if self.y is None else [a[rows] for a in self.y]
        return (x[0] if len(x) == 1 else x, y[0] if y is not None and len(y) == 1 else y,
                None if self.w is None else np.asarray(self.w)[rows])

    def on_epoch_end(self):
        if self.shuffle:
            self.order = self.rng.permutation(self.n)

    def split(self, fraction):
        """(training part, validation part) as Keras's validation_split: the last
        ``fraction`` of the samples, before shuffling."""
        cut = int(self.n * (1 - fraction))
        if cut in (0, self.n):
            raise ValueError(f"fit: validation_split={fraction} of {self.n} samples leaves "
                             f"nothing for training or validation")
        part = lambda rows: (  # noqa: E731
            self.x and [a[rows] for a in self.x], None if self.y is None else
            [a[rows] for a in self.y], None if self.w is None else np.asarray(self.w)[rows])
        return part(slice(0, cut)), part(slice(cut, None))


def validation_batches(validation_data, batch_size, steps=None, train=None, model=None):
    """Batches over Keras's forms of validation_data: (x, y), [x, y], (x, y,
    sample_weight), or a loader. None (with a warning) when it holds no sample.
    Its contents are checked against the training data (``train``, the training
    Batches) and, given the model, against its input shape and outputs: anything
    that would fail at the end of the first epoch is refused here, before it."""
    owner = "fit (validation_data)"
    if validation_data is None:
        return None
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        x, y, w = tuple(validation_data) + (None,) * (3 - len(validation_data))
        if not is_arrays(x):
            raise TypeError(f"fit: validation_data must hold arrays (x, y[, sample_weight]), "
                            f"got x of type {type(x).__name__}")
        if y is None:
            raise ValueError("fit: validation_data's y is None; validation needs the targets "
                             "(x, y), or pass a loader that yields (x, y) batches")
        if not is_arrays(y):
            raise TypeError(f"fit: validation_data's y must be an array, got {type(y).__name__}")
        if len(x) == 0:
            warnings.warn("fit: validation_data holds no samples; no validation is logged",
                          stacklevel=3)
            return None
        batches = Batches(x, y, w, batch_size, steps=steps, owner=owner,
                          steps_arg="validation_steps")
        check_like_training(owner, np.asarray(x), np.asarray(y), train, model)
        return batches
    if is_loader(validation_data):
        if hasattr(validation_data, "__len__") and len(validation_data) == 0:
            warnings.warn("fit: validation_data yields no batches; no validation is logged",
                          stacklevel=3)
            return None
        batches = Batches(validation_data, batch_size=batch_size, steps=steps, owner=owner,
                          steps_arg="validation_steps")
        shape, labels = known_contents(validation_data)
        if (isinstance(validation_data, NumpyArrayIterator) and validation_data.y is None
                or hasattr(validation_data, "class_mode") and validation_data.class_mode is None):
            raise ValueError("fit: validation_data yields images without targets (flow without "
                             "y, or class_mode=None); validation needs (x, y) batches")
        if shape is not None:
            check_like_training(owner, shape, labels, train, model, shapes_only=labels is None)
        return batches
    raise TypeError(f"fit: validation_data must be (x, y), (x, y, sample_weight) or a loader, "
                    f"got {type(validation_data).__name__}"
                    + (f" of length {len(validation_data)}"
                       if isinstance(validation_data, (tuple, list)) else ""))


def known_contents(source):
    """(per-sample input shape, labels array or None) of arrays' iterators and image
    folders' iterators, known without decoding an image; (None, None) otherwise."""
    if isinstance(source, NumpyArrayIterator):
        return source.x.shape[1:], source.y
    if hasattr(source, "image_shape") and hasattr(source, "num_classes"):
        labels = None
        if getattr(source, "class_mode", None) in ("categorical",):
            labels = np.zeros((0, source.num_classes))
        elif getattr(source, "class_mode", None) in ("sparse", "binary"):
            labels = np.asarray(getattr(source, "classes", np.zeros(0)))
        return tuple(source.image_shape), labels
    return None, None


def check_like_training(owner, x, y, train, model=None, shapes_only=False):
    """Validation inputs ``x`` (an array, or a per-sample shape) and targets ``y``
    against the training data's (``train``: Batches) and the model's."""
    shape = tuple(x) if isinstance(x, tuple) else x.shape[1:]
    train_shape, train_y = known_contents(train.source) if train is not None else (None, None)
    if train_shape is not None and tuple(train_shape) != shape:
        raise ValueError(f"{owner}: its samples have shape {shape}, the training data's "
                         f"{tuple(train_shape)}; validate on data of the training data's form")
    if model is not None and getattr(model, "built", False) and shape != model.input_shape:
        raise ValueError(f"{owner}: " + wrong_shape_message(model, shape))
    if shapes_only or y is None:
        return
    width, train_width = label_width(y), label_width(train_y) if train_y is not None else None
    if width > 1 and train_width and train_width > 1 and width != train_width:
        raise ValueError(f"{owner}: its targets are one-hot rows of {width} classes, the "
                         f"training data's of {train_width}")
    if width == 1 and np.size(y) and train_width and train_width > 1:
        index = np.asarray(y).reshape(len(y), -1)[:, 0]
        if np.any(index != np.round(index)) or index.min() < 0 or index.max() >= train_width:
            raise ValueError(f"{owner}: its targets hold class indices from {index.min()} to "
                             f"{index.max()}, but the training data has {train_width} classes "
                             f"(0 to {train_width - 1})")
    if model is not None:
        losses.check_targets(model, np.eye(width)[:1] if np.ndim(y) == 2 and not np.size(y) else y, owner)


def wrong_shape_message(model, shape):
    """The model's input shape and the data's; for images whose channels differ, the
    color_mode that loads them as the model takes them."""
    message = (f"{model.name} takes samples of shape {model.input_shape}, but the data's are "
               f"{shape}")
    want, have = model.input_shape, shape
    if len(want) == 3 and len(have) == 3 and want[:2] == have[:2] and color_mode_advice(
            want[2], have[2]):
        message += ": " + color_mode_advice(want[2], have[2])
    return message


def label_width(y):
    """Classes per one-hot row (K), or 1 for class indices (N,) or (N, 1)."""
    y = np.asarray(y)
    return y.shape[1] if y.ndim == 2 else 1


def check_training_targets(model, train):
    """The training data's targets against the model, when they are known without
    decoding (arrays, arrays' and image folders' iterators)."""
    if model is None:
        return
    shape, y = known_contents(train.source)
    if shape is not None and getattr(model, "built", False) and tuple(shape) != model.input_shape:
        raise ValueError("fit: " + wrong_shape_message(model, tuple(shape)))
    if y is not None and len(y):
        losses.check_targets(model, y, "fit")
    elif y is not None and np.ndim(y) == 2:  # an image folder's classes, one-hot
        losses.check_targets(model, np.eye(y.shape[1])[:1], "fit")


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
                validation_batch_size, seed, model=None):
    """fit's data: (training Batches, validation Batches or None, class weights
    {class: weight} or None), every argument checked before any work. Given the
    model, the targets are checked against its outputs (naming its last layer)
    and the inputs against its input shape."""
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
    class_weight = fit_class_weight(class_weight, x, y)
    train = Batches(x, y, sample_weight, batch_size, shuffle, seed, steps_per_epoch)
    check_training_targets(model, train)
    validation = validation_batches(
        validation_data, batch_size_or_default("fit", validation_batch_size or batch_size),
        validation_steps, train, model)
    return train, validation, class_weight


def fit_class_weight(class_weight, x, y):
    """{class index: weight} from fit's class_weight: "balanced" (from arrays y, or a
    loader's labels: .classes, or .y of flow's iterator), or a dict whose keys are
    class indices or, for a loader with class_indices, class names. Every weight a
    finite number >= 0."""
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"fit: class_weight must be a dict or 'balanced', got {class_weight!r}")
        labels = y if is_arrays(x) else getattr(x, "classes", None)
        if labels is None and isinstance(getattr(x, "y", None), np.ndarray):
            labels = x.y
        if labels is None:
            raise ValueError("fit: class_weight='balanced' needs the labels: arrays y, or a "
                             "loader with .classes (flow_from_directory's iterators) or .y "
                             "(flow's)")
        return losses.balanced_class_weight(labels)
    names = getattr(x, "class_indices", None)
    if hasattr(class_weight, "items") and isinstance(names, dict):
        class_weight = {names.get(k, k) if isinstance(k, str) else k: v
                        for k, v in class_weight.items()}
    losses.class_weight_to_sample_weights(np.zeros(0), class_weight)  # checks its form
    return class_weight
