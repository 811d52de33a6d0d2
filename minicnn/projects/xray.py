"""Chest X-ray classification (Covid / Normal / Pneumonia, or pneumonia vs normal).

The lesson's recommended setup: 256x256 grayscale, light augmentation, and a
small two-convolution network trained with Adam.
"""
import os

from minicnn import Sequential
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from minicnn.preprocessing import ImageDataGenerator

NAME = "xray"
IMAGE_SIZE = (256, 256)
COLOR_MODE = "grayscale"
RESCALE = 1 / 255
AUGMENTATION = dict(rescale=RESCALE, zoom_range=0.1, rotation_range=25,
                    width_shift_range=0.05, height_shift_range=0.05)
SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "samples", "covid-xray")


def build_model(num_classes, input_shape=IMAGE_SIZE + (1,)):
    return Sequential([
        Conv2D(5, 5, strides=3, activation="relu"),
        MaxPool2D(2),
        Dropout(0.1),
        Conv2D(3, 3, activation="relu"),
        MaxPool2D(2),
        Dropout(0.2),
        Flatten(),
        Dense(num_classes, activation="softmax"),
    ], input_shape=input_shape, name="xray_cnn")


def load_data(data=None, batch_size=32, seed=0, validation_split=0.2):
    """Iterators over DIR/train (split into training and validation) and DIR/test."""
    data = data or SAMPLE
    return directory_iterators(data, IMAGE_SIZE, COLOR_MODE, AUGMENTATION, batch_size, seed,
                               validation_split)


def directory_iterators(data, image_size, color_mode, augmentation, batch_size, seed,
                        validation_split):
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
    train = ImageDataGenerator(**augmentation, validation_split=validation_split).flow_from_directory(
        train_dir, subset="training" if validation_split else None, **kw)
    validation = None
    if validation_split:
        validation = ImageDataGenerator(**rescale_only).flow_from_directory(
            train_dir, subset="validation", shuffle=False, **kw)
    test = ImageDataGenerator(rescale=augmentation.get("rescale")).flow_from_directory(
        os.path.join(data, "test"), shuffle=False, classes=list(train.class_indices), **kw)
    return train, validation, test
