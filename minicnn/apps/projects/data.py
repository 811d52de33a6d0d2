"""What both projects share: the lessons' augmentation, and loading a train/ + test/
directory into iterators (or a folder's images into arrays, for cross-validation)."""
import os

import numpy as np

from minicnn.apps.shortcut_learning.band import BandMask
from minicnn.preprocessing import ImageDataGenerator

RESCALE = 1 / 255
# The augmentation both lessons recommend: rescale to 0..1, small zooms, rotations and shifts.
LESSON_AUGMENTATION = dict(rescale=RESCALE, zoom_range=0.1, rotation_range=25,
                           width_shift_range=0.05, height_shift_range=0.05)


class SeesPart:
    """What a recipe that may see only part of each image shares (xray and galaxy
    recipes): ``sees`` "whole", "centre" (the outer ``band`` of each side set to 0) or
    "band" (only that border), and ``AUGMENTATION``, its generator's training arguments."""

    def mask(self):
        """The BandMask applied after augmentation (and to test images), or None."""
        return None if self.sees == "whole" else BandMask(self.band, keep=self.sees)

    def augmentation(self):
        """ImageDataGenerator's arguments for training: the recipe's, then the mask."""
        mask = self.mask()
        return dict(self.AUGMENTATION,
                    **({} if mask is None else {"preprocessing_function": mask}))

    def evaluation(self):
        """ImageDataGenerator's arguments for validation and test images: rescaled, masked."""
        mask = self.mask()
        return {"rescale": RESCALE, **({} if mask is None else {"preprocessing_function": mask})}

    def masked(self, iterators):
        """``iterators`` (train, validation, test) from directory_iterators, which masks the
        training images only: the validation and test images get the same mask here."""
        for iterator in iterators[1:]:
            if iterator is not None:
                iterator.generator.preprocessing_function = self.mask()
        return iterators


def directory_iterators(data, image_size, color_mode, augmentation, batch_size, seed,
                        validation_split, verbose=1):
    """(train, validation or None, test) iterators over data/train and data/test;
    augmentation on training only, rescaling on all three."""
    if not os.path.isdir(data):
        raise ValueError(f"{data}: no such data directory")
    for split in ("train", "test"):
        if not os.path.isdir(os.path.join(data, split)):
            raise ValueError(f"{data}: expected {split}/ inside it, with one folder per class")
    rescale_only = dict(rescale=augmentation.get("rescale"), validation_split=validation_split)
    kw = dict(target_size=image_size, color_mode=color_mode, batch_size=batch_size, seed=seed,
              cache=True)
    train_dir = os.path.join(data, "train")
    check_class_folder_names(train_dir)
    train = ImageDataGenerator(**augmentation, validation_split=validation_split).flow_from_directory(
        train_dir, subset="training" if validation_split else None, **kw)
    validation = None
    if validation_split:
        validation = ImageDataGenerator(**rescale_only).flow_from_directory(
            train_dir, subset="validation", shuffle=False, **kw)
    test = ImageDataGenerator(rescale=augmentation.get("rescale")).flow_from_directory(
        os.path.join(data, "test"), shuffle=False, classes=list(train.class_indices), **kw)
    if verbose:  # decode every image now, saying so, rather than silently during epoch 1
        for name, iterator in (("training", train), ("validation", validation), ("test", test)):
            if iterator is not None:
                iterator.preload(name)
    return train, validation, test


def check_class_folder_names(directory):
    """Class folder names become the report's labels, the model file's class names and
    printed text: each must be valid text (UTF-8), checked before any image is read."""
    for name in sorted(os.listdir(directory)):
        if not os.path.isdir(os.path.join(directory, name)):
            continue
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(name).decode("utf-8", "backslashreplace")
            raise ValueError(f"{os.path.join(directory, shown)}: this class folder's name is not "
                             f"valid UTF-8 text, so it cannot label the report or the model's "
                             f"classes; rename the folder (e.g. mv with its name typed anew)") from None


def directory_images(directory, image_size, color_mode):
    """(uint8 images (N, H, W, C), class indices (N,), class names) of every image in
    directory's class folders, decoded and resized as flow_from_directory does."""
    check_class_folder_names(directory)
    found = ImageDataGenerator().flow_from_directory(
        directory, target_size=image_size, color_mode=color_mode, shuffle=False, cache=True)
    found.preload("training")
    images = np.stack([found.load(k) for k in range(found.samples)])
    return images, np.asarray(found.classes), list(found.class_indices)
