"""Batch iterators: DirectoryIterator (image folders) and NumpyArrayIterator (arrays).

Both follow Keras's Sequence protocol: ``len(it)`` batches per epoch,
``it[i]`` the i-th batch of the current epoch's order, ``next(it)`` cycling
forever, ``on_epoch_end()`` to draw the next epoch's order, ``reset()``.

Randomness is reproducible and independent of access order: epoch e's order
comes from Generator([seed, e]) and batch i's augmentations from
Generator([seed, e, i]), so ``it[3]`` is the same whether or not ``it[2]`` was
read first.
"""
import os
import sys
import time
import warnings

import numpy as np

from minicnn.preprocessing.files import channels_of, find_classes, list_images, load_image
from minicnn.seeding import make_rng


class Iterator:
    def __init__(self, n, generator, batch_size, shuffle, seed):
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive; got {batch_size!r}")
        self.n, self.generator, self.batch_size, self.shuffle = n, generator, int(batch_size), shuffle
        self.seed = int(make_rng().integers(2**63)) if seed is None else int(seed)
        self.epoch, self.batch_index = 0, 0
        self._set_index_array()

    def _set_index_array(self):
        self.index_array = (np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
                            if self.shuffle else np.arange(self.n))

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(f"batch {i} out of range: this iterator has {len(self)} batches")
        index = self.index_array[i * self.batch_size:(i + 1) * self.batch_size]
        return self._batch(index, np.random.default_rng([self.seed, self.epoch, i]))

    def __iter__(self):
        return self

    def __next__(self):
        if self.batch_index >= len(self):
            self.on_epoch_end()
        batch = self[self.batch_index]
        self.batch_index += 1
        return batch

    def next(self):
        """The next batch, as ``next(it)`` (Keras 2 lessons call ``it.next()``)."""
        return self.__next__()

    def on_epoch_end(self):
        self.epoch += 1
        self.batch_index = 0
        self._set_index_array()

    def reset(self):
        """Back to the first batch of the current epoch."""
        self.batch_index = 0

    # Keras's save_to_dir (flow and flow_from_directory): each augmented image of a batch
    # also written as save_prefix_<sample>_<random>.save_format, to look at the augmentation
    save_to_dir, save_prefix, save_format = None, "", "png"

    def _save(self, x, index, rng):
        if self.save_to_dir is None:
            return
        from minicnn.preprocessing.image_utils import array_to_img
        for image, k in zip(x, index):
            name = f"{self.save_prefix}_{k}_{int(rng.integers(10 ** 7))}.{self.save_format}"
            array_to_img(image, scale=True).save(os.path.join(self.save_to_dir, name))

    def _augment(self, image, rng):
        generator = self.generator
        if generator is None:  # plain batches of arrays, as fit makes them
            return image
        if generator.augments:
            image = generator.apply_transform(image, generator.get_random_transform(image.shape, rng))
        return generator.standardize(image)


class DirectoryIterator(Iterator):
    """Batches from directory/<class>/<images>, as Keras's flow_from_directory.

    - Classes: the sorted subfolder names, or the list given; ``class_indices``
      maps name -> index. Images are found recursively in each class folder
      (png, jpg, jpeg, bmp, ppm, tif, tiff in any case); other files are ignored.
    - subset with the generator's validation_split: per class, the first
      int(split * n) files (sorted) are "validation", the rest "training".
    - Each image: decoded, converted to color_mode, resized to target_size
      (height, width) with ``interpolation``, augmented, rescaled.
    - y per class_mode: "categorical" one-hot, "binary" 0/1, "sparse" index
      (all float32), "input" the images, None nothing (batches are x alone).
    - on_error="skip" checks every file up front and leaves out (with a
      warning naming it) any that cannot be decoded. cache=True keeps the
      decoded images in memory (uint8), for sets that fit.
    """

    def __init__(self, directory, generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, subset=None,
                 interpolation="nearest", follow_links=False, on_error="raise", cache=False,
                 verbose=True):
        self.directory = os.fspath(directory)
        self.target_size = tuple(target_size)
        self.color_mode, self.class_mode, self.interpolation = color_mode, class_mode, interpolation
        self.subset = subset
        self.image_shape = self.target_size + (channels_of(color_mode),)
        class_names = find_classes(self.directory, classes)
        self.class_indices = {name: i for i, name in enumerate(class_names)}
        self.num_classes = len(class_names)
        self._cache = {} if cache else None
        self.filepaths, labels = [], []
        for name in class_names:
            files = list_images(os.path.join(self.directory, name), follow_links, self.directory)
            if on_error == "skip":
                files = [path for path in files if self._decodes(path)]
            if not files:
                raise ValueError(f"{os.path.join(self.directory, name)}: no images in this class "
                                 f"folder (looked for png, jpg, jpeg, bmp, ppm, tif, tiff)")
            files = self._subset_of(files, generator.validation_split, subset)
            self.filepaths += files
            labels += [self.class_indices[name]] * len(files)
        if subset == "validation" and not self.filepaths:
            raise ValueError(empty_validation("flow_from_directory", generator.validation_split,
                                              f"each class folder of {self.directory}"))
        self.filenames = [os.path.relpath(p, self.directory).replace(os.sep, "/")
                          for p in self.filepaths]
        self.classes = np.array(labels, dtype=np.int32)
        self.labels = self.classes
        self.samples = len(self.filepaths)
        if verbose:
            print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, generator, batch_size, shuffle, seed)

    @staticmethod
    def _subset_of(files, split, subset):
        if subset is None or not split:
            return files
        cut = int(split * len(files))
        return files[:cut] if subset == "validation" else files[cut:]

    def _decodes(self, path):
        """Whether path decodes; the pixels are kept only when caching was asked for."""
        try:
            image = self._decode(path)
            if self._cache is not None:
                self._cache[path] = image
            return True
        except ValueError as error:
            warnings.warn(f"skipping {error}", stacklevel=4)
            return False

    def _decode(self, path):
        return load_image(path, self.color_mode, self.target_size, self.interpolation)

    def preload(self, name="", stream=None):
        """Decode every image into the cache now (cache=True), announcing it and
        reporting progress every few seconds: a large set takes minutes."""
        stream = stream or sys.stdout
        if self._cache is None or len(self._cache) == self.samples:
            return
        stream.write(f"decoding {self.samples:,} {name + ' ' if name else ''}images...\n")
        stream.flush()
        start = last = time.perf_counter()
        for k in range(self.samples):
            self.load(k)
            now = time.perf_counter()
            if now - last > 5:
                last = now
                stream.write(f"  {k + 1:,}/{self.samples:,} decoded, {now - start:.0f} s\n")
                stream.flush()
        if time.perf_counter() - start > 5:
            stream.write(f"  {self.samples:,}/{self.samples:,} decoded, "
                         f"{time.perf_counter() - start:.0f} s\n")

    def load(self, k):
        """The k-th image, decoded and resized, as uint8 (H, W, C); no augmentation."""
        path = self.filepaths[k]
        if self._cache is None:
            return self._decode(path)
        if path not in self._cache:
            self._cache[path] = self._decode(path)
        return self._cache[path]

    def _batch(self, index, rng):
        dtype = self.generator.dtype
        x = np.empty((len(index),) + self.image_shape, dtype=dtype)
        for j, k in enumerate(index):
            x[j] = self._augment(self.load(k), rng)
        self._save(x, index, rng)
        return _with_targets(x, self.classes[index], self.class_mode, self.num_classes, dtype)


def _with_targets(x, labels, class_mode, num_classes, dtype):
    if class_mode is None:
        return x
    if class_mode == "input":
        return x, x.copy()
    if class_mode == "categorical":
        return x, np.eye(num_classes, dtype=dtype)[labels]
    return x, labels.astype(dtype)  # "binary" and "sparse"


def empty_validation(owner, split, what):
    """The refusal of a validation subset that would hold nothing: Keras gives an empty
    iterator ("Found 0 images"), which fails later, inside fit."""
    return (f"{owner}: validation_split={split} holds out no image (int(split x count) is 0 "
            f"for {what}); give a larger validation_split, or no subset")


class NumpyArrayIterator(Iterator):
    """Batches from in-memory arrays x (N, ...), optional labels y (returned as
    given) and optional per-sample weights (then batches are (x, y, w), as
    Keras's flow gives them). subset with validation_split: the first
    int(split * N) samples are "validation", the rest "training".
    With ``generator=None`` (as fit uses it) samples are returned as they are,
    in x's dtype, without augmentation or rescaling."""

    def __init__(self, x, y, generator, batch_size=32, shuffle=True, seed=None, subset=None,
                 sample_weight=None):
        x = np.asarray(x)
        y = None if y is None else np.asarray(y)
        w = None if sample_weight is None else np.asarray(sample_weight)
        for name, array in (("y", y), ("sample_weight", w)):
            if array is not None and len(array) != len(x):
                raise ValueError(f"flow: x has {len(x)} samples but {name} has {len(array)}")
        if subset is not None and generator is not None and generator.validation_split:
            cut = int(generator.validation_split * len(x))
            if subset == "validation" and cut == 0 and len(x):
                raise ValueError(empty_validation("flow", generator.validation_split,
                                                  f"the {len(x)} samples"))
            part = slice(0, cut) if subset == "validation" else slice(cut, None)
            x, y, w = (None if a is None else a[part] for a in (x, y, w))
        self.x, self.y, self.sample_weight = x, y, w
        super().__init__(len(x), generator, batch_size, shuffle, seed)

    def _batch(self, index, rng):
        if self.generator is None:
            x = self.x[index]  # a new, contiguous array
        else:
            x = np.empty((len(index),) + self.x.shape[1:], dtype=self.generator.dtype)
            for j, k in enumerate(index):
                x[j] = self._augment(self.x[k], rng)
            self._save(x, index, rng)
        if self.y is None:
            return x
        if self.sample_weight is None:
            return x, self.y[index]
        return x, self.y[index], self.sample_weight[index]
