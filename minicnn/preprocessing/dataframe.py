"""DataFrameIterator: batches of the image files a pandas DataFrame lists, as Keras's
ImageDataGenerator.flow_from_dataframe. minicnn never imports pandas: the frame is
read through its columns (``frame[x_col]``), so pandas is needed only by whoever
makes the frame (the "dataframe" extra).

- Files: ``frame[x_col]``, relative to ``directory`` when given (else as they are).
  validate_filenames=True leaves out rows whose file is missing or not an image,
  with a count of them (Keras's "Found N validated image filenames").
- class_mode "categorical" (one-hot), "binary" (0/1), "sparse" (index): the classes
  are the sorted distinct values of ``frame[y_col]`` (strings), or ``classes``;
  "raw": the values of y_col as they are (float32; a list of columns gives rows);
  "input": the images; None: batches of images alone.
- subset with the generator's validation_split: the first int(split * rows) rows
  (after validation) are "validation", the rest "training", as Keras splits them.
- weight_col: batches are (x, y, w).
Images are decoded, converted, resized, augmented and rescaled as flow_from_directory's.
"""
import os
import warnings

import numpy as np

from minicnn.preprocessing.files import IMAGE_EXTENSIONS, channels_of
from minicnn.preprocessing.iterators import DirectoryIterator, Iterator, _with_targets

CLASS_MODES = ("categorical", "binary", "sparse", "raw", "input", None)


def _column(frame, name, owner):
    try:
        return list(frame[name])
    except (KeyError, TypeError):
        raise ValueError(f"{owner}: the DataFrame has no column {name!r}; it has "
                         f"{list(getattr(frame, 'columns', []))}") from None


class DataFrameIterator(DirectoryIterator):
    def __init__(self, frame, directory, generator, x_col="filename", y_col="class",
                 weight_col=None, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, subset=None,
                 interpolation="nearest", validate_filenames=True):
        owner = "flow_from_dataframe"
        if class_mode not in CLASS_MODES:
            raise ValueError(f"{owner}: class_mode must be one of {CLASS_MODES}, got "
                             f"{class_mode!r} (multi_output: give class_mode='raw' and a "
                             f"list of y_col columns)")
        self.directory = "" if directory is None else os.fspath(directory)
        self.target_size, self.color_mode = tuple(target_size), color_mode
        self.class_mode, self.interpolation, self.subset = class_mode, interpolation, subset
        self.image_shape = self.target_size + (channels_of(color_mode),)
        self._cache = None
        paths = [os.path.join(self.directory, str(name)) for name in _column(frame, x_col, owner)]
        targets = (None if class_mode in (None, "input") else
                   np.stack([np.asarray(_column(frame, c, owner), dtype=np.float32)
                             for c in y_col], axis=1) if isinstance(y_col, (list, tuple))
                   else _column(frame, y_col, owner))
        weights = None if weight_col is None else np.asarray(_column(frame, weight_col, owner),
                                                             dtype=np.float32)
        keep = np.ones(len(paths), dtype=bool)
        if validate_filenames:
            keep = np.array([os.path.isfile(p) and p.lower().endswith(IMAGE_EXTENSIONS)
                             for p in paths], dtype=bool)
            if not keep.all():
                warnings.warn(f"{owner}: found {int((~keep).sum())} invalid image filename(s) "
                              f"in x_col={x_col!r}; these rows will be ignored", stacklevel=3)
        rows = np.flatnonzero(keep)
        split = generator.validation_split
        if subset is not None and split:
            cut = int(split * len(rows))
            rows = rows[:cut] if subset == "validation" else rows[cut:]
        self.filepaths = [paths[i] for i in rows]
        self.filenames = [os.path.relpath(p, self.directory) if self.directory else p
                          for p in self.filepaths]
        self.sample_weight = None if weights is None else weights[rows]
        if class_mode in ("categorical", "binary", "sparse"):
            labels = [str(targets[i]) for i in rows]
            class_names = sorted(set(labels)) if classes is None else list(classes)
            self.class_indices = {name: i for i, name in enumerate(class_names)}
            unknown = sorted(set(labels) - set(class_names))
            if unknown:
                raise ValueError(f"{owner}: y_col holds {unknown}, not among classes {class_names}")
            if class_mode == "binary" and len(class_names) != 2:
                raise ValueError(f"{owner}: class_mode='binary' needs 2 classes, found "
                                 f"{class_names}")
            self.classes = np.array([self.class_indices[l] for l in labels], dtype=np.int32)
        else:
            self.class_indices = {}
            self.classes = None if targets is None else np.asarray(
                [targets[i] for i in rows], dtype=np.float32)
        self.num_classes = len(self.class_indices)
        self.labels = self.classes
        self.samples = len(self.filepaths)
        print(f"Found {self.samples} validated image filenames"
              + (f" belonging to {self.num_classes} classes." if self.num_classes else "."))
        Iterator.__init__(self, self.samples, generator, batch_size, shuffle, seed)

    def _batch(self, index, rng):
        dtype = self.generator.dtype
        x = np.empty((len(index),) + self.image_shape, dtype=dtype)
        for j, k in enumerate(index):
            x[j] = self._augment(self.load(k), rng)
        self._save(x, index, rng)
        if self.class_mode == "raw":
            batch = (x, self.classes[index])
        else:
            batch = _with_targets(x, None if self.classes is None else self.classes[index],
                                  self.class_mode, self.num_classes, dtype)
        if self.sample_weight is not None and isinstance(batch, tuple):
            return batch + (self.sample_weight[index],)
        return batch
