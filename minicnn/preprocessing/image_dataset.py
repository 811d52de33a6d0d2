"""image_dataset_from_directory: Keras's image folder reader, as a minicnn Dataset.

    train_ds, val_ds = image_dataset_from_directory(
        "Covid19-dataset/train", validation_split=0.2, subset="both", seed=1337,
        image_size=(180, 180), batch_size=32)
    train_ds.class_names                 # ['Covid', 'Normal', 'Pneumonia']
    for images, labels in train_ds: ...  # float32 (32, 180, 180, 3) in 0..255, int32 (32,)

As Keras 3 does it:
- classes: the sorted subfolder names (hidden ones left out), or ``class_names``
  in the order given; files: each folder's images in sorted order (so "10.png"
  before "2.png"), subfolders included; .bmp .gif .jpeg .jpg .png only;
- with shuffle, the file list is shuffled by NumPy's RandomState(seed), as
  Keras does, then split: validation takes the last int(validation_split * n)
  files; each pass also reshuffles the (training) files through a buffer of
  8 * batch_size, as Keras's tf.data shuffle (minicnn's draws, not TensorFlow's);
- images decoded (files.load_image), then resized as tf.image.resize
  (resize.py: bilinear by default, no antialiasing), float32, not rescaled;
- labels: "int" int32 (n,), "categorical" float32 one-hot, "binary" float32 (n, 1).
"""
import math
import os

import numpy as np

from minicnn.arguments import check_number, check_positive_int
from minicnn.preprocessing.dataset import Dataset
from minicnn.preprocessing.files import check_image_size, find_classes, list_images, load_image
from minicnn.preprocessing.resize import (TF_INTERPOLATIONS, crop_to_aspect_ratio, resize,
                                          resize_with_pad)
from minicnn.seeding import make_rng

KERAS_EXTENSIONS = (".bmp", ".jpeg", ".jpg", ".png")  # Keras's list, less .gif (see README)
CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """A Dataset of (images, labels) batches from directory/<class>/<images> (Keras's
    arguments and checks); with subset="both", [training, validation]. Each has
    ``class_names`` and ``file_paths``."""
    owner = "image_dataset_from_directory"
    label_mode, labels = check_labels(owner, labels, label_mode, class_names)
    if color_mode not in CHANNELS:
        raise ValueError(f"{owner}: color_mode must be one of {sorted(CHANNELS)}, "
                         f"got {color_mode!r}")
    image_size = check_image_size(owner, "image_size", image_size)
    if batch_size is not None:
        batch_size = check_positive_int(owner, "batch_size", batch_size)
    interpolation = str(interpolation).lower()
    if interpolation not in TF_INTERPOLATIONS:
        raise ValueError(f"{owner}: interpolation must be one of {TF_INTERPOLATIONS}, "
                         f"got {interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{owner}: only one of pad_to_aspect_ratio, crop_to_aspect_ratio "
                         f"can be True")
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner}: minicnn's images are channels_last (NHWC); got "
                         f"data_format={data_format!r}")
    check_split(owner, validation_split, subset, shuffle, seed)
    if seed is None:
        seed = int(make_rng().integers(1_000_000))
    paths, labels, class_names = index_directory(directory, labels, class_names, follow_links,
                                                 verbose)
    if validation_split:
        check_split_sizes(owner, validation_split, len(paths), directory)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"{owner}: label_mode='binary' needs exactly 2 classes, got "
                         f"class_names={class_names}")
    if shuffle:  # Keras's own shuffle of the file list, reproducible with NumPy
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    decode = image_decoder(image_size, color_mode, interpolation, crop_to_aspect_ratio,
                           pad_to_aspect_ratio)
    make = lambda files, targets, shuffled: make_dataset(  # noqa: E731
        files, targets, label_mode, len(class_names or ()), decode, batch_size, shuffled, seed,
        class_names)
    if subset == "both":
        training = split(paths, labels, validation_split, "training")
        validation = split(paths, labels, validation_split, "validation")
        for part, name in ((training, "training"), (validation, "validation")):
            if not part[0]:
                raise ValueError(f"{owner}: no {name} images found in {directory} (allowed "
                                 f"formats: {', '.join(KERAS_EXTENSIONS)})")
        return [make(*training, shuffle), make(*validation, False)]
    paths, labels = split(paths, labels, validation_split, subset)
    if not paths:
        raise ValueError(f"{owner}: no images found in {directory} (allowed formats: "
                         f"{', '.join(KERAS_EXTENSIONS)})")
    return make(paths, labels, shuffle)


def check_labels(owner, labels, label_mode, class_names):
    given = not (labels is None or isinstance(labels, str) and labels == "inferred")
    if isinstance(labels, np.ndarray):
        labels = labels.tolist()
    if given and not isinstance(labels, (list, tuple)):
        raise ValueError(f"{owner}: labels must be 'inferred', None, or a list of integer labels, "
                         f"one per image file in the directory; got labels={labels!r:.80}")
    if given and class_names:
        raise ValueError(f"{owner}: class_names can only be given with labels='inferred'")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"{owner}: label_mode must be 'int', 'categorical', 'binary' or None, "
                         f"got {label_mode!r}")
    if labels is None or label_mode is None:
        return None, None
    return label_mode, labels


def check_split(owner, validation_split, subset, shuffle, seed):
    """Keras's rules for validation_split, subset, shuffle and seed (a number, not
    text: validation_split="0.2" is refused naming it)."""
    if validation_split is not None:
        check_number(owner, "validation_split", validation_split, low=0, high=1, high_open=True)
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(f"{owner}: if subset is set, validation_split must be set, and "
                         f"inversely")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"{owner}: subset must be 'training', 'validation' or 'both', got "
                         f"{subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{owner}: with validation_split and shuffle, give a seed, so that "
                         f"the training and validation subsets do not overlap")


def check_split_sizes(owner, validation_split, count, directory):
    """Refuse a split that leaves a subset empty. Keras does not: with
    int(validation_split * n) == 0, its "validation" subset is every file (files[-0:])
    and its "training" subset none, reported as "no images found"."""
    held_out = int(validation_split * count)
    if 0 < count and held_out == 0:
        raise ValueError(f"{owner}: validation_split={validation_split} of the {count} images in "
                         f"{directory} holds out int({validation_split} * {count}) = 0 images; "
                         f"give at least {math.ceil(1000 / count) / 1000:g} (one image), or no "
                         f"validation_split")


def check_label_values(owner, labels, count, directory):
    """Explicit labels: one per file, each a whole number from 0 to k - 1, k the number
    of distinct labels (the classes Keras names "0", "1", ...): -1 or 7 would be the
    last class or nothing after one-hot encoding, silently."""
    if len(labels) != count:
        raise ValueError(f"{owner}: {len(labels)} labels for the {count} image files in "
                         f"{directory}")
    values = np.asarray(labels)
    if values.ndim != 1 or values.dtype.kind not in "iuf" or values.dtype == bool:
        raise ValueError(f"{owner}: labels must be a list of integer labels, one per image "
                         f"file, got {list(labels)[:10]!r:.100}")
    distinct = sorted(set(values.tolist()))
    for value in values.tolist():
        if value != int(value) or not 0 <= value < len(distinct):
            raise ValueError(f"{owner}: labels must be whole numbers from 0 to "
                             f"{len(distinct) - 1} (the {len(distinct)} distinct labels given), "
                             f"got {value!r}")
    return values.astype(np.int64)


def index_directory(directory, labels, class_names, follow_links, verbose):
    """(file paths, labels as int32 or None, class names) in Keras's order."""
    directory = os.fspath(directory)
    if labels == "inferred":
        folders = find_classes(directory)
        if class_names is not None:
            if not set(class_names) <= set(folders):
                raise ValueError(f"image_dataset_from_directory: class_names {class_names} do "
                                 f"not match the subfolders of {directory}: expected "
                                 f"{folders} (or some of them)")
            folders = list(class_names)
        paths, indices = [], []
        for index, folder in enumerate(folders):
            found = keras_images(os.path.join(directory, folder), follow_links, directory)
            paths += found
            indices += [index] * len(found)
        targets, names = np.array(indices, dtype=np.int32), folders
    else:
        paths = keras_images(directory, follow_links)
        targets, names = None, None
        if labels is not None:
            targets = check_label_values("image_dataset_from_directory", labels, len(paths),
                                         directory)
            names = [str(label) for label in sorted(set(targets.tolist()))]
    if verbose:
        print(f"Found {len(paths)} files." if labels is None else
              f"Found {len(paths)} files belonging to {len(names)} classes.")
    return paths, targets, names


def keras_images(folder, follow_links, directory=None):
    """The images Keras lists under a folder: the loader's listing, Keras's extensions."""
    return [path for path in list_images(folder, follow_links=follow_links, directory=directory)
            if path.lower().endswith(KERAS_EXTENSIONS)]


def split(paths, labels, validation_split, subset):
    """Keras's split: validation is the last int(validation_split * n) files."""
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - count} files for training.")
        return paths[:-count], None if labels is None else labels[:-count]
    print(f"Using {count} files for validation.")
    return paths[-count:], None if labels is None else labels[-count:]


def image_decoder(image_size, color_mode, interpolation, crop, pad):
    """path -> float32 (height, width, channels), as Keras loads each file."""
    def decode(path):
        image = load_image(path, color_mode)
        if crop:
            return resize(crop_to_aspect_ratio(image, image_size), image_size, interpolation)
        if pad:
            return resize_with_pad(image, image_size, interpolation)
        return resize(image, image_size, interpolation)
    return decode


def make_dataset(paths, labels, label_mode, num_classes, decode, batch_size, shuffled, seed,
                 class_names):
    """A batched Dataset of decoded images (and labels in ``label_mode``'s form)."""
    if label_mode is None:
        dataset = Dataset.from_tensor_slices(np.array(paths, dtype=object))
    else:
        dataset = Dataset.from_tensor_slices((np.array(paths, dtype=object),
                                              encode_labels(labels, label_mode, num_classes)))
    if shuffled:
        dataset = dataset.shuffle(8 * batch_size if batch_size else 1024, seed=seed)
    if label_mode is None:
        dataset = dataset.map(decode)
    else:
        dataset = dataset.map(lambda path, label: (decode(path), label))
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    dataset.class_names, dataset.file_paths = class_names, list(paths)
    return dataset


def encode_labels(labels, label_mode, num_classes):
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels.astype(np.int64)]
    return labels.astype(np.int32)
