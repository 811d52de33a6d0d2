"""Galaxy classification: Galaxy Zoo images, 128x128 RGB, four classes.

Data: a Codecademy-style galaxydata.npz (uint8 images (N, 128, 128, 3) and
one-hot labels (N, 4)), split 80/20 stratified with the seed; or a directory
in the X-ray layout (train/ and test/ with one folder per class).
"""
import os

import numpy as np

from minicnn import Sequential
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D
from minicnn.preprocessing import ImageDataGenerator
from minicnn.apps.projects.data import RESCALE, directory_iterators

NAME = "galaxy"
IMAGE_SIZE = (128, 128)
COLOR_MODE = "rgb"
CHANNELS = 3
# The galaxy lesson's generator rescales only. Chosen on the validation split (benchmarks/
# RESULTS.md, seeds 1-3, 8 epochs): with the X-ray lesson's augmentation the validation
# accuracy was the same (0.712 vs 0.709), and with class weights the merger recall lower.
AUGMENTATION = {"rescale": RESCALE}
NPZ_CLASS_NAMES = ["normal", "ringed", "merger", "other"]
# (images, labels) key pairs seen in copies of the lesson's data file
NPZ_KEYS = [("data", "labels"), ("images", "labels"), ("x", "y"), ("X", "Y"), ("X", "y"),
            ("x_data", "y_data")]


def build_model(num_classes=4, input_shape=IMAGE_SIZE + (3,)):
    return Sequential([
        Conv2D(8, 3, strides=2, activation="relu"),
        MaxPool2D(2),
        Conv2D(8, 3, strides=2, activation="relu"),
        MaxPool2D(2),
        Flatten(),
        Dense(16, activation="relu"),
        Dense(num_classes, activation="softmax"),
    ], input_shape=input_shape, name="galaxy_cnn")


def read_npz(path):
    """(images uint8 (N, H, W, 3), one-hot labels (N, K)) from a galaxydata.npz; the
    labels may also be class indices (N,). Anything else is a ValueError naming the file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            names = set(data.files)
            for image_key, label_key in NPZ_KEYS:
                if image_key in names and label_key in names:
                    print(f"{path}: images from {image_key!r}, labels from {label_key!r}")
                    images, labels = data[image_key], data[label_key]
                    break
            else:
                raise ValueError(f"expected arrays named one of "
                                 f"{', '.join('/'.join(p) for p in NPZ_KEYS)}; found {sorted(names)}")
    except (OSError, EOFError) as error:
        raise ValueError(f"{path}: cannot read it as .npz ({error})") from None
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.dtype.kind not in "uif":
        raise ValueError(f"{path}: images should be numbers of shape (N, height, width, 3); got "
                         f"{images.dtype} {images.shape}")
    if images.dtype.kind == "f" and not np.all(np.isfinite(images)):
        raise ValueError(f"{path}: its images hold NaN or infinite pixel values")
    labels = checked_labels(np.asarray(labels), len(images), path)
    return images, labels


def checked_labels(labels, n, path):
    """One-hot rows (n, K) from labels given as one-hot (or probability) rows or as
    class indices 0..K-1; a ValueError naming the file and the first bad label."""
    if labels.dtype.kind not in "uifb":
        raise ValueError(f"{path}: labels must be numbers, got dtype {labels.dtype}")
    if len(labels) != n:
        raise ValueError(f"{path}: {n} images but {len(labels)} labels")
    labels = labels.astype(np.float64)
    bad = ~np.isfinite(labels)
    if labels.ndim == 1:
        bad |= (labels < 0) | (labels != np.round(labels)) | (labels >= n)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = labels[i]
            shown = int(value) if np.isfinite(value) and value == round(value) else float(value)
            raise ValueError(f"{path}: label {i} is {shown}; class-index labels must be "
                             f"whole numbers from 0 to the number of classes - 1 (and fewer "
                             f"classes than the {n} images)")
        return np.eye(int(labels.max()) + 1, dtype=np.float32)[labels.astype(np.int64)]
    if labels.ndim != 2 or not 2 <= labels.shape[1] <= n:
        raise ValueError(f"{path}: labels should be one-hot rows (N, classes) or class indices "
                         f"(N,); got shape {labels.shape}")
    bad = bad.any(axis=1) | (labels < 0).any(axis=1) | (labels > 1).any(axis=1)
    bad |= np.abs(labels.sum(axis=1) - 1) > 1e-3
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{path}: label row {i} is {labels[i].tolist()}; one-hot labels must "
                         f"be rows of values in [0, 1] summing to 1")
    return labels.astype(np.float32)


def stratified_split(labels, test_fraction, seed):
    """Indices (train, test): each class split test_fraction / rest, shuffled by seed."""
    rng = np.random.default_rng(seed)
    classes = labels.argmax(axis=1)
    train, test = [], []
    for k in np.unique(classes):
        members = rng.permutation(np.flatnonzero(classes == k))
        cut = int(round(test_fraction * len(members)))
        test += members[:cut].tolist()
        train += members[cut:].tolist()
    return rng.permutation(train), rng.permutation(test)


def load_data(data, batch_size=32, seed=0, validation_split=0.2, image_size=None, verbose=1):
    """(train, validation or None, test) iterators, from an .npz file or a directory."""
    if data is None:
        raise ValueError("the galaxy project needs --data: a galaxydata.npz file (images and "
                         "labels) or a folder with train/ and test/ class folders, such as the "
                         "Galaxy Zoo 1 images (the README says where to get them)")
    if os.path.isdir(data):
        return directory_iterators(data, tuple(image_size or IMAGE_SIZE), COLOR_MODE,
                                   AUGMENTATION, batch_size, seed, validation_split, verbose)
    if not os.path.isfile(data):
        raise ValueError(f"{data}: no such file or directory")
    images, labels = read_npz(data)
    if image_size is not None and tuple(image_size) != images.shape[1:3]:
        raise ValueError(f"{data}: its images are {images.shape[1]}x{images.shape[2]}; "
                         f"--image-size works with image folders only")
    train_idx, test_idx = stratified_split(labels, 0.2, seed)
    val_idx = []
    if validation_split:
        train_pos, val_pos = stratified_split(labels[train_idx], validation_split, seed + 1)
        train_idx, val_idx = train_idx[train_pos], train_idx[val_pos]
    rescale = ImageDataGenerator(rescale=RESCALE)
    train = ImageDataGenerator(**AUGMENTATION).flow(images[train_idx], labels[train_idx],
                                                    batch_size=batch_size, seed=seed)
    validation = (rescale.flow(images[val_idx], labels[val_idx], batch_size=batch_size,
                               shuffle=False) if len(val_idx) else None)
    test = rescale.flow(images[test_idx], labels[test_idx], batch_size=batch_size, shuffle=False)
    names = NPZ_CLASS_NAMES if labels.shape[1] == 4 else [str(i) for i in range(labels.shape[1])]
    for iterator in (train, validation, test):
        if iterator is not None:
            iterator.class_indices = {name: i for i, name in enumerate(names)}
            iterator.num_classes = len(names)
            iterator.classes = iterator.y.argmax(axis=1)
    print(f"{data}: {len(train_idx)} training, {len(val_idx)} validation, "
          f"{len(test_idx)} test images")
    return train, validation, test
