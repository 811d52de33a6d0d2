"""Chest X-ray classification (Covid / Normal / Pneumonia, or pneumonia vs normal).

The lesson's recommended setup: 256x256 grayscale, light augmentation, and a
small two-convolution network trained with Adam.
"""
import os

from minicnn import Sequential
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from minicnn.projects.data import LESSON_AUGMENTATION, RESCALE, directory_iterators  # noqa: F401 (RESCALE: part of the recipe)

NAME = "xray"
IMAGE_SIZE = (256, 256)
COLOR_MODE = "grayscale"
CHANNELS = 1
AUGMENTATION = LESSON_AUGMENTATION
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


def load_data(data=None, batch_size=32, seed=0, validation_split=0.2, image_size=None, verbose=1):
    """Iterators over DIR/train (split into training and validation) and DIR/test."""
    data = data or SAMPLE
    return directory_iterators(data, tuple(image_size or IMAGE_SIZE), COLOR_MODE, AUGMENTATION,
                               batch_size, seed, validation_split, verbose)
