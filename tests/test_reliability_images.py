"""Image folders, datasets and preprocessing, round 4: explicit labels must be classes,
a validation split must hold images out, load_img refuses what the loader refuses (one
regular-file rule), sizes have a bound, and arguments of the wrong type are named."""
import os

import numpy as np
import pytest
from PIL import Image

from minicnn.compat.keras.utils import image_dataset_from_directory, load_img
from minicnn.preprocessing import ImageDataGenerator
from minicnn.preprocessing.dataset import Dataset
from minicnn.preprocessing.files import MAX_IMAGE_SIDE


def flat_folder(root, n=4):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(np.full((6, 6, 3), 40 * i, np.uint8)).save(root / f"{i}.png")
    return root


def class_folders(root, per_class=5, classes=("a", "b")):
    for name in classes:
        flat_folder(root / name, per_class)
    return root


def dataset(directory, **options):
    options = {"image_size": (6, 6), "verbose": False, **options}
    made = image_dataset_from_directory(directory, **options)
    return [list(part) for part in made] if isinstance(made, list) else list(made)


@pytest.mark.parametrize("labels, label_mode, value", [
    ([-1, 0, 1, 1], "categorical", "-1"),   # was the last class, silently
    ([-1, 0, 1, 1], "int", "-1"),
    ([0, 1, 7, 1], "categorical", "7"),     # was an IndexError
    ([0, 1, 5, 1], "int", "5"),             # class_names ["0", "1", "5"]: 5 names nothing
    ([0, 1, 0.5, 1], "int", "0.5"),
    (np.array([0, -2, 1, 1]), "categorical", "-2"),
    ([0, 2, 2, 0], "binary", "2"),
])
def test_labels_that_are_not_classes_are_refused_with_the_value(tmp_path, labels, label_mode,
                                                                 value):
    with pytest.raises(ValueError, match=rf"labels must be whole numbers from 0 to \d .*got {value}"):
        dataset(flat_folder(tmp_path), labels=labels, label_mode=label_mode)


@pytest.mark.parametrize("labels", [["a", "b", "a", "b"], [[0], [1], [0], [1]], "cats"])
def test_labels_of_the_wrong_type_are_named(tmp_path, labels):
    with pytest.raises(ValueError, match="labels must be"):
        dataset(flat_folder(tmp_path), labels=labels)


def test_explicit_labels_that_are_classes_load(tmp_path):
    (images, labels), = dataset(flat_folder(tmp_path), labels=[1, 0, 2, 1],
                                label_mode="categorical", shuffle=False)
    np.testing.assert_array_equal(labels, np.eye(3)[[1, 0, 2, 1]])


@pytest.mark.parametrize("split, subset", [(0.05, "validation"), (0.05, "training"),
                                           (0.09, "both"), (0.01, "both")])
def test_a_split_that_holds_out_nothing_is_refused(tmp_path, split, subset):
    """Decision (docs/guarantees.md): stricter than Keras, whose validation subset is
    then every file (files[-0:]) and whose training subset none."""
    with pytest.raises(ValueError, match=rf"validation_split={split} of the 10 images .* = 0 "
                                         rf"images; give at least 0.1 "):
        dataset(class_folders(tmp_path), validation_split=split, subset=subset, seed=1)


def test_the_smallest_split_that_holds_out_one_image_works(tmp_path):
    training, validation = dataset(class_folders(tmp_path), validation_split=0.1, subset="both",
                                   seed=1, batch_size=1)
    assert (len(training), len(validation)) == (9, 1)


def test_flow_from_directory_and_flow_refuse_an_empty_validation_subset(tmp_path):
    generator = ImageDataGenerator(validation_split=0.05)
    with pytest.raises(ValueError, match="flow_from_directory: validation_split=0.05 holds out"):
        generator.flow_from_directory(class_folders(tmp_path), target_size=(6, 6),
                                      subset="validation", verbose=False)
    with pytest.raises(ValueError, match="flow: validation_split=0.05 holds out no image"):
        generator.flow(np.zeros((10, 6, 6, 3)), np.zeros(10), subset="validation")
    assert len(generator.flow(np.zeros((10, 6, 6, 3)), np.zeros(10), subset="training")) == 1


@pytest.mark.parametrize("split", ["0.2", True, float("nan"), 1.0, -0.1, [0.2]])
def test_validation_split_of_the_wrong_type_is_named(tmp_path, split):
    with pytest.raises(ValueError, match="image_dataset_from_directory: validation_split must be"):
        dataset(class_folders(tmp_path), validation_split=split, subset="training", seed=1)
    with pytest.raises(ValueError, match="ImageDataGenerator: validation_split must be"):
        ImageDataGenerator(validation_split=split)


@pytest.mark.parametrize("batch_size", [-1, 0, 2.5, "32", True])
def test_batch_size_is_named_as_batch_size(tmp_path, batch_size):
    with pytest.raises(ValueError, match="image_dataset_from_directory: batch_size must be a "
                                         "positive int"):
        dataset(class_folders(tmp_path), batch_size=batch_size)


@pytest.mark.parametrize("size", [(100_000, 100_000), (10**9, 1), (1, MAX_IMAGE_SIDE + 1),
                                  MAX_IMAGE_SIDE * 2])
def test_image_sizes_have_an_upper_bound_everywhere(tmp_path, size):
    folder = class_folders(tmp_path)
    with pytest.raises(ValueError, match="image_size=.* is too large: .* at most 8192"):
        dataset(folder, image_size=size)
    if isinstance(size, tuple):
        with pytest.raises(ValueError, match="target_size=.* is too large"):
            ImageDataGenerator().flow_from_directory(folder, target_size=size, verbose=False)
    with pytest.raises(ValueError, match="load_img: target_size=.* is too large"):
        load_img(folder / "a" / "0.png", target_size=size)


def test_the_largest_size_is_accepted(tmp_path):
    image = load_img(class_folders(tmp_path) / "a" / "0.png", target_size=(MAX_IMAGE_SIDE, 2))
    assert image.size == (2, MAX_IMAGE_SIDE)


@pytest.mark.parametrize("kind", ["pipe", "link to /dev/zero", "link to /dev/urandom",
                                  "folder", "broken link"])
def test_load_img_refuses_what_is_not_a_regular_file_without_reading_it(tmp_path, kind):
    """Decision (docs/guarantees.md): stricter than Keras, whose load_img waits
    forever on a pipe and reads /dev/zero until memory runs out; the loader's rule."""
    path = tmp_path / "x.png"
    if kind == "pipe":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        os.symlink({"broken link": tmp_path / "gone.png"}.get(kind, kind.split()[-1]), path)
    with pytest.raises(ValueError, match=rf"load_img: {path} is .*not a regular file"):
        load_img(path)


def test_load_img_names_a_file_that_is_not_an_image(tmp_path):
    (tmp_path / "notes.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="notes.png: cannot decode this image"):
        load_img(tmp_path / "notes.png")
    with pytest.raises(FileNotFoundError):
        load_img(tmp_path / "missing.png")


def test_dataset_arguments_name_themselves():
    with pytest.raises(ValueError, match="shuffle: buffer_size must be positive, got -5"):
        Dataset.from_tensor_slices(np.arange(4)).shuffle(-5)
    with pytest.raises(ValueError, match="batch: batch_size must be a positive int"):
        Dataset.from_tensor_slices(np.arange(4)).batch(-1)
