"""Galaxy classification: Galaxy Zoo images, 128x128 RGB, four classes.

Data: a Codecademy-style galaxydata.npz (uint8 images (N, 128, 128, 3) and
one-hot labels (N, 4)), split 80/20 stratified with the seed; or a directory
in the X-ray layout (train/ and test/ with one folder per class).

``RECIPES`` holds the lesson's network and the others as data (`minicnn train galaxy
--recipe NAME`); each was compared to the others by cross-validation on the training
images (`--cv K`), never by the test set:

    lesson          the lesson's CNN on the whole 128x128 image (the default)
    four-blocks     four blocks of Conv2D + BatchNormalization + ReLU + MaxPool2D and
                    global average pooling, on the centre 96x96 resized to 48x48; the 8
                    exact symmetries of the square as augmentation, cosine decay, softmax
                    averaged over the 8 symmetric views at test
    border-only     the lesson's CNN shown only the outer 21 pixels of each side (the
                    centre set to 0): a probe of what the edges alone tell
    radial-profile  no CNN: each colour's mean and spread in 16 rings around the centre,
                    then one Dense softmax (a logistic regression): a probe of what
                    brightness, colour, concentration and roundness alone tell

Why symmetries here: a galaxy seen from Earth has no up, down, left or right, so a
turned or mirrored galaxy keeps its class (a turned X-ray does not: the heart is on the
left). Why global average pooling: each of the last block's 128 maps says how much of
its pattern the galaxy holds anywhere, with 516 weights in the head instead of the 4,612 of
Flatten + Dense (a weight for each class at each of the 3x3 positions of each map).
"""
import os
from dataclasses import dataclass

import numpy as np

from minicnn import Sequential
from minicnn.layers import (AveragePooling2D, BatchNormalization, Conv2D, Dense, Flatten,
                            GlobalAveragePooling2D, MaxPool2D, ReLU)
from minicnn.preprocessing import ImageDataGenerator
from minicnn.preprocessing.layers import CenterCrop, RadialProfile, RandomFlip, RandomRot90
from minicnn.apps.projects.data import RESCALE, SeesPart, directory_iterators

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
# the symmetric views averaged at test (views.py): the 8 symmetries of a square
SYMMETRIC_VIEWS = 8


def build_model(num_classes=4, input_shape=IMAGE_SIZE + (3,)):
    """The lesson's CNN."""
    return Sequential([
        Conv2D(8, 3, strides=2, activation="relu"),
        MaxPool2D(2),
        Conv2D(8, 3, strides=2, activation="relu"),
        MaxPool2D(2),
        Flatten(),
        Dense(16, activation="relu"),
        Dense(num_classes, activation="softmax"),
    ], input_shape=input_shape, name="galaxy_cnn")


def four_blocks(num_classes, input_shape, crop=96, shrink=2, filters=(16, 32, 64, 128)):
    """The centre crop, shrunk by averaging each shrink x shrink block (a resize that
    passes gradients back, for the saliency maps); the 8 symmetries (training only);
    four blocks of 3x3 convolution (no bias: BatchNormalization's beta is the bias),
    batch normalisation, ReLU and 2x2 max-pooling; global average pooling; softmax."""
    layers = [CenterCrop(crop, crop), AveragePooling2D(shrink), RandomRot90(),
              RandomFlip("horizontal")]
    for width in filters:
        layers += [Conv2D(width, 3, padding="same", use_bias=False), BatchNormalization(),
                   ReLU(), MaxPool2D(2)]
    layers += [GlobalAveragePooling2D(), Dense(num_classes, activation="softmax")]
    return Sequential(layers, input_shape=input_shape, name="galaxy_four_blocks")


def radial_profile(num_classes, input_shape, rings=16):
    """The probe without a CNN: each channel's mean and spread in ``rings`` rings around
    the centre (RadialProfile), standardised (BatchNormalization), then a softmax."""
    return Sequential([RadialProfile(rings), BatchNormalization(),
                       Dense(num_classes, activation="softmax")],
                      input_shape=input_shape, name="galaxy_radial_profile")


@dataclass(frozen=True)
class Recipe(SeesPart):
    """A galaxy recipe: its network (``network``: "lesson", "four-blocks" or
    "radial-profile"), what of the image it sees ("whole", or "band": only the outer
    ``band`` of each side), and the training it was chosen with, used unless the
    command line says otherwise (epochs, learning rate with or without cosine decay,
    class weights, validation split); ``test_views``: softmax averaged over that many
    symmetric views at test (1 or 8). It offers what runner.run reads from a project."""
    name: str
    summary: str
    network: str = "lesson"
    sees: str = "whole"
    band: float = 21 / 128
    epochs: int = 10
    learning_rate: float = 1e-3
    schedule: str = None
    class_weight: str = None
    validation_split: float = 0.2
    test_views: int = 1

    NAME, IMAGE_SIZE, COLOR_MODE, CHANNELS, RESCALE = NAME, IMAGE_SIZE, COLOR_MODE, CHANNELS, RESCALE
    AUGMENTATION = AUGMENTATION  # rescaling only: the symmetries are layers of the model

    def metadata(self):
        """What a model file carries to be used as trained: the recipe, its mask, and
        the views its predictions average."""
        return {"recipe": self.name, "test_views": self.test_views,
                **({} if self.sees == "whole" else {"sees": self.sees, "band": self.band})}

    def build_model(self, num_classes=4, input_shape=IMAGE_SIZE + (3,)):
        if self.network == "four-blocks":
            return four_blocks(num_classes, input_shape)
        if self.network == "radial-profile":
            return radial_profile(num_classes, input_shape)
        return build_model(num_classes, input_shape)

    def load_data(self, data, batch_size=32, seed=0, validation_split=0.2, image_size=None,
                  verbose=1):
        return load_data(data, batch_size, seed, validation_split, image_size, verbose, self)

    def training_images(self, data, image_size=None, seed=0):
        """(uint8 images, class indices, class names) of the training images alone (a
        folder's train/, or the .npz's 80% split by ``seed``): what --cv folds."""
        return training_images(data, image_size, seed)


RECIPES = {recipe.name: recipe for recipe in (
    Recipe("lesson", "the lesson's CNN on the whole 128x128 image (the default)"),
    Recipe("four-blocks", "four Conv2D + BatchNormalization + ReLU + MaxPool2D blocks and "
                          "global average pooling on the centre 96x96 resized to 48x48; the 8 "
                          "symmetries as augmentation, Adam 2e-3 with cosine decay over 40 "
                          "epochs, sqrt-balanced class weights, all training images; softmax "
                          "averaged over the 8 symmetric views at test",
           network="four-blocks", epochs=40, learning_rate=2e-3, schedule="cosine",
           class_weight="sqrt-balanced", validation_split=0.0, test_views=SYMMETRIC_VIEWS),
    Recipe("border-only", "probe: the lesson's CNN shown only the outer 21 pixels of each "
                          "side (the centre set to 0)", sees="band", class_weight="sqrt-balanced"),
    Recipe("radial-profile", "probe, no CNN: each colour's mean and spread in 16 rings around "
                             "the centre, then one Dense softmax (a logistic regression)",
           network="radial-profile", epochs=40, learning_rate=1e-2, schedule="cosine",
           validation_split=0.0),
)}
LESSON = RECIPES["lesson"]


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


def load_data(data, batch_size=32, seed=0, validation_split=0.2, image_size=None, verbose=1,
              recipe=LESSON):
    """(train, validation or None, test) iterators, from an .npz file or a directory;
    the recipe's mask (if any) on all three."""
    check_data(data)
    if os.path.isdir(data):
        return recipe.masked(directory_iterators(
            data, tuple(image_size or IMAGE_SIZE), COLOR_MODE, recipe.augmentation(), batch_size,
            seed, validation_split, verbose))
    images, labels = read_npz(data)
    if image_size is not None and tuple(image_size) != images.shape[1:3]:
        raise ValueError(f"{data}: its images are {images.shape[1]}x{images.shape[2]}; "
                         f"--image-size works with image folders only")
    train_idx, test_idx = stratified_split(labels, 0.2, seed)
    val_idx = []
    if validation_split:
        train_pos, val_pos = stratified_split(labels[train_idx], validation_split, seed + 1)
        train_idx, val_idx = train_idx[train_pos], train_idx[val_pos]
    evaluation = ImageDataGenerator(**recipe.evaluation())
    train = ImageDataGenerator(**recipe.augmentation()).flow(
        images[train_idx], labels[train_idx], batch_size=batch_size, seed=seed)
    validation = (evaluation.flow(images[val_idx], labels[val_idx], batch_size=batch_size,
                                  shuffle=False) if len(val_idx) else None)
    test = evaluation.flow(images[test_idx], labels[test_idx], batch_size=batch_size,
                           shuffle=False)
    names = npz_class_names(labels)
    for iterator in (train, validation, test):
        if iterator is not None:
            iterator.class_indices = {name: i for i, name in enumerate(names)}
            iterator.num_classes = len(names)
            iterator.classes = iterator.y.argmax(axis=1)
    print(f"{data}: {len(train_idx)} training, {len(val_idx)} validation, "
          f"{len(test_idx)} test images")
    return train, validation, test


def training_images(data, image_size=None, seed=0):
    """(uint8 images (N, H, W, 3), class indices (N,), class names): the training
    images alone, which cross-validation folds (the test images are never read)."""
    check_data(data)
    if os.path.isdir(data):
        from minicnn.apps.projects.data import directory_images
        return directory_images(os.path.join(data, "train"), tuple(image_size or IMAGE_SIZE),
                                COLOR_MODE)
    images, labels = read_npz(data)
    if image_size is not None and tuple(image_size) != images.shape[1:3]:
        raise ValueError(f"{data}: its images are {images.shape[1]}x{images.shape[2]}; "
                         f"--image-size works with image folders only")
    # the .npz's test images are the 20% this seed leaves out: cross-validate and train with
    # the same --seed, or the folds hold another seed's test images
    train_idx, _ = stratified_split(labels, 0.2, seed)
    return images[train_idx], labels[train_idx].argmax(axis=1), npz_class_names(labels)


def npz_class_names(labels):
    return NPZ_CLASS_NAMES if labels.shape[1] == 4 else [str(i) for i in range(labels.shape[1])]


def check_data(data):
    if data is None:
        raise ValueError("the galaxy project needs --data: a galaxydata.npz file (images and "
                         "labels) or a folder with train/ and test/ class folders, such as the "
                         "Galaxy Zoo 1 images (the README says where to get them)")
    if not os.path.exists(data):
        raise ValueError(f"{data}: no such file or directory")
