"""Dataset: the tf.data.Dataset methods Keras tutorials call, over NumPy arrays.

    train_ds = image_dataset_from_directory(...)          # batches of (images, labels)
    train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=minicnn.compat.tensorflow.data.AUTOTUNE)
    train_ds = train_ds.map(lambda x, y: (rescale(x), y))
    model.fit(train_ds, validation_data=val_ds, epochs=10)

A dataset is a recipe: every pass over it (a ``for`` loop, an epoch of fit)
runs the recipe again, as in TensorFlow: images are decoded again, and
``shuffle`` draws a new order each pass, unless ``cache()`` keeps the first
pass. Elements are tuples of arrays (or one array); after ``batch``, each
element is a batch.

fit, evaluate and predict take a dataset as they take a loader: ``len(ds)``
batches per epoch, drawn with ``next(ds)``; a new pass starts with each epoch.
"""
import numpy as np

from minicnn.seeding import make_rng

AUTOTUNE = -1  # tf.data.AUTOTUNE: "let the runtime choose"; minicnn's prefetch ignores it


class Dataset:
    def __init__(self, make_pass, length=None):
        # make_pass(p): an iterator over the elements of pass p (0, 1, 2, ...)
        self._make_pass, self._length = make_pass, length
        self._passes, self._live = 0, None

    @staticmethod
    def from_tensor_slices(tensors):
        """Elements from the rows of an array (or a tuple of arrays of equal length)."""
        parts = tuple(np.asarray(t) for t in tensors) if isinstance(tensors, tuple) else None
        rows = len(parts[0]) if parts else len(np.asarray(tensors))
        if parts and any(len(part) != rows for part in parts):
            raise ValueError(f"from_tensor_slices: the arrays have different lengths "
                             f"{[len(part) for part in parts]}")
        array = None if parts else np.asarray(tensors)
        return Dataset(lambda p: (tuple(part[i] for part in parts) if parts else array[i]
                                  for i in range(rows)), rows)

    # -- passes ----------------------------------------------------------------------------
    def __iter__(self):
        number, self._passes = self._passes, self._passes + 1
        return iter(self._make_pass(number))

    def __len__(self):
        if self._length is None:
            raise TypeError("the length of this dataset is unknown (after unbatch or filter); "
                            "give fit steps_per_epoch")
        return self._length

    def __next__(self):
        """The next element of the current pass; a new pass when it ends (fit draws
        its batches so)."""
        if self._live is None:
            self._live = iter(self)
        try:
            return next(self._live)
        except StopIteration:
            self._live = iter(self)
            return next(self._live)

    def on_epoch_end(self):
        """Start a new pass at the next element (fit calls it after each epoch)."""
        self._live = None

    def as_numpy_iterator(self):
        """The elements, each part as a NumPy array."""
        for element in self:
            yield tuple(np.asarray(part) for part in element) if isinstance(element, tuple) \
                else np.asarray(element)

    def cardinality(self):
        return -2 if self._length is None else self._length  # tf.data.UNKNOWN_CARDINALITY

    # -- transformations (each returns a new dataset) --------------------------------------
    def map(self, function, num_parallel_calls=None, deterministic=None):
        """function(*element) for tuple elements, function(element) otherwise."""
        def make_pass(p):
            for element in self._make_pass(p):
                yield function(*element) if isinstance(element, tuple) else function(element)
        return Dataset(make_pass, self._length)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None):
        """Consecutive elements stacked into batches of batch_size (the last one smaller
        unless drop_remainder)."""
        if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch: batch_size must be a positive int, got {batch_size!r}")
        batch_size = int(batch_size)

        def make_pass(p):
            group = []
            for element in self._make_pass(p):
                group.append(element)
                if len(group) == batch_size:
                    yield stack(group)
                    group = []
            if group and not drop_remainder:
                yield stack(group)
        length = None
        if self._length is not None:
            length = (self._length // batch_size if drop_remainder
                      else -(-self._length // batch_size))
        return Dataset(make_pass, length)

    def unbatch(self):
        """Each batch split into its samples."""
        def make_pass(p):
            for element in self._make_pass(p):
                parts = element if isinstance(element, tuple) else (element,)
                for i in range(len(parts[0])):
                    row = tuple(np.asarray(part)[i] for part in parts)
                    yield row if isinstance(element, tuple) else row[0]
        return Dataset(make_pass)

    def take(self, count):
        """The first ``count`` elements of each pass (all of them for count=-1)."""
        def make_pass(p):
            for i, element in enumerate(self._make_pass(p)):
                if 0 <= count <= i:
                    return
                yield element
        length = self._length if count < 0 or self._length is None else min(count, self._length)
        return Dataset(make_pass, length if count >= 0 or self._length is not None else None)

    def skip(self, count):
        def make_pass(p):
            for i, element in enumerate(self._make_pass(p)):
                if i >= count:
                    yield element
        return Dataset(make_pass, None if self._length is None else max(self._length - count, 0))

    def cache(self, filename=""):
        """Keep the elements of the first complete pass in memory; later passes replay
        them (decoding, and shuffles before the cache, happen once)."""
        kept = []

        def make_pass(p):
            if kept and kept[-1] is _COMPLETE:
                yield from kept[:-1]
                return
            kept.clear()
            for element in self._make_pass(p):
                kept.append(element)
                yield element
            kept.append(_COMPLETE)
        return Dataset(make_pass, self._length)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True):
        """tf.data's shuffle: a buffer of buffer_size elements, each output drawn at
        random from it and replaced by the next element (a full shuffle when the
        buffer holds them all); a new order each pass unless reshuffle_each_iteration
        is False. The draws are minicnn's (seed, pass), not TensorFlow's."""
        buffer_size = int(buffer_size)
        if buffer_size < 1 and buffer_size != AUTOTUNE:
            raise ValueError(f"shuffle: buffer_size must be positive, got {buffer_size}")
        base = int(make_rng(seed).integers(2**63))

        def make_pass(p):
            rng = np.random.default_rng([base, p if reshuffle_each_iteration else 0])
            buffer = []
            for element in self._make_pass(p):
                buffer.append(element)
                if len(buffer) >= buffer_size > 0:
                    yield buffer.pop(pick(rng, buffer))
            while buffer:
                yield buffer.pop(pick(rng, buffer))
        return Dataset(make_pass, self._length)

    def prefetch(self, buffer_size):
        """The same dataset (minicnn reads batches when asked; AUTOTUNE is accepted)."""
        return Dataset(self._make_pass, self._length)

    def repeat(self, count=None):
        """The elements, count times over (forever for None)."""
        def make_pass(p):
            round_ = 0
            while count is None or count < 0 or round_ < count:
                yield from self._make_pass(p * 1_000_003 + round_)
                round_ += 1
        length = None if count is None or count < 0 or self._length is None else (
            self._length * count)
        return Dataset(make_pass, length)


_COMPLETE = object()  # marks a cache that holds a whole pass


def pick(rng, buffer):
    """A random index into the buffer, swapped to the end so that pop() is O(1)."""
    i = int(rng.integers(len(buffer)))
    buffer[i], buffer[-1] = buffer[-1], buffer[i]
    return -1


def stack(elements):
    """A batch from a list of elements: each part stacked along a new first axis."""
    if isinstance(elements[0], tuple):
        return tuple(np.stack([np.asarray(e[k]) for e in elements])
                     for k in range(len(elements[0])))
    return np.stack([np.asarray(e) for e in elements])
