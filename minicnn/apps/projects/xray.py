"""Chest X-ray classification (Covid / Normal / Pneumonia, or pneumonia vs normal).

The lesson's recommended setup: 256x256 grayscale, light augmentation, and a
small two-convolution network trained with Adam. ``RECIPES`` holds it and its
variants as data (`minicnn train xray --recipe NAME`):

    lesson          the lesson's model on whole films (the default)
    masked-border   16 filters in each convolution, and the outer 12.5% of each side of
                    the film set to 0 after augmentation, in training and at test: a model
                    that cannot read the border band (side markers, edges); the ring just
                    inside it then carries the shortcut (apps/shortcut_learning/rings.py)
    border-only     the lesson's model shown only that border (the centre set to 0): the
                    probe that measures how much of the label the border carries

Why masked-border: on the covid set the border band alone carries the label (a classifier on
its blurred cells reaches 0.84 in cross-validation on the training images), and the lesson's
model follows a pasted border; the width was chosen by cross-validation on the training
images, never by the test set. What it can claim (benchmarks/results/shortcuts_covid.json):
the band cannot steer it, but the ring inside it does, as much as the band steered the
lesson's model; no recipe separates disease from source on this set (README, "What the model
relies on").
"""
import os
from dataclasses import dataclass

from minicnn import Sequential, samples
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from minicnn.apps.projects.data import (LESSON_AUGMENTATION, RESCALE, SeesPart,
                                        directory_images, directory_iterators)

NAME = "xray"
IMAGE_SIZE = (256, 256)
COLOR_MODE = "grayscale"
CHANNELS = 1
AUGMENTATION = LESSON_AUGMENTATION
SAMPLE = samples.COVID_XRAY
# the report's border checks (report.report): the outer 12.5% of each side
BORDER_CHECK = 0.125


@dataclass(frozen=True)
class Recipe(SeesPart):
    """An X-ray recipe: the lesson's network with its width (filters per convolution), the
    input size with the first convolution's kernel and stride, and what of the film the
    model sees ("whole"; "centre": the outer ``band`` of each side set to 0 after
    augmentation, in training and at test; "band": only that border). It offers what
    runner.run reads from a project (NAME, IMAGE_SIZE, build_model, load_data, ...)."""
    name: str
    summary: str
    filters: tuple = (5, 3)
    first_kernel: int = 5
    first_stride: int = 3
    image_size: tuple = IMAGE_SIZE
    sees: str = "whole"
    band: float = 0.125

    NAME, COLOR_MODE, CHANNELS, RESCALE, SAMPLE = NAME, COLOR_MODE, CHANNELS, RESCALE, SAMPLE
    AUGMENTATION = LESSON_AUGMENTATION
    BORDER_CHECK = BORDER_CHECK

    @property
    def IMAGE_SIZE(self):
        return self.image_size

    def training_images(self, data=None, image_size=None, seed=0):
        """(uint8 images, class indices, class names) of DIR/train alone: what --cv folds."""
        return directory_images(os.path.join(data or SAMPLE, "train"),
                                tuple(image_size or self.image_size), COLOR_MODE)

    def metadata(self):
        """What a model file must carry to be used as trained: the recipe, and the mask."""
        return {"recipe": self.name, **({} if self.sees == "whole" else
                                        {"sees": self.sees, "band": self.band})}

    def build_model(self, num_classes, input_shape=None):
        first, second = self.filters
        return Sequential([
            Conv2D(first, self.first_kernel, strides=self.first_stride, activation="relu"),
            MaxPool2D(2),
            Dropout(0.1),
            Conv2D(second, 3, activation="relu"),
            MaxPool2D(2),
            Dropout(0.2),
            Flatten(),
            Dense(num_classes, activation="softmax"),
        ], input_shape=input_shape or self.image_size + (CHANNELS,), name="xray_cnn")

    def load_data(self, data=None, batch_size=32, seed=0, validation_split=0.2, image_size=None,
                  verbose=1):
        """Iterators over DIR/train (split into training and validation) and DIR/test, every
        one masked as the recipe says."""
        return self.masked(directory_iterators(
            data or SAMPLE, tuple(image_size or self.image_size), COLOR_MODE,
            self.augmentation(), batch_size, seed, validation_split, verbose))

RECIPES = {recipe.name: recipe for recipe in (
    Recipe("lesson", "the lesson's model on whole films (the default)"),
    Recipe("masked-border", "16 filters per convolution; the outer 12.5% of each side set to 0 "
                            "after augmentation, in training and at test (the band cannot be "
                            "read; the ring inside it then carries the shortcut)",
           filters=(16, 16), sees="centre"),
    Recipe("border-only", "the lesson's model shown only the outer 12.5% of each side (the "
                          "centre set to 0): a probe of how much the border tells",
           sees="band"),
)}
LESSON = RECIPES["lesson"]


def build_model(num_classes, input_shape=IMAGE_SIZE + (1,)):
    return LESSON.build_model(num_classes, input_shape)


def load_data(data=None, batch_size=32, seed=0, validation_split=0.2, image_size=None, verbose=1):
    """Iterators over DIR/train (split into training and validation) and DIR/test."""
    data = data or SAMPLE
    return directory_iterators(data, tuple(image_size or IMAGE_SIZE), COLOR_MODE, AUGMENTATION,
                               batch_size, seed, validation_split, verbose)
