"""image_dataset_from_directory, the tf.data methods tutorials call, and load_img /
img_to_array, against what Keras 3.15 gave on the bundled X-ray sample
(tests/fixtures/keras_round3/images.json and images.npz)."""
import json
import os

import numpy as np
import pytest

import minicnn
from minicnn import data as tf_data
from minicnn.compat.keras.preprocessing import image_dataset_from_directory as from_preprocessing
from minicnn.compat.keras.preprocessing.image import img_to_array as image_img_to_array
from minicnn.compat.keras.utils import (array_to_img, image_dataset_from_directory, img_to_array,
                                 load_img)
from minicnn.preprocessing import Dataset
from minicnn.preprocessing.files import load_image
from minicnn.preprocessing.resize import resize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "keras_round3")
TRAIN = os.path.join(ROOT, "minicnn", "samples", "covid-xray", "train")
with open(os.path.join(FIXTURES, "images.json")) as file:
    KERAS = json.load(file)


@pytest.fixture(scope="module")
def keras_arrays():
    with np.load(os.path.join(FIXTURES, "images.npz")) as arrays:
        return dict(arrays)


def relative(paths):
    return [os.path.relpath(path, TRAIN).replace(os.sep, "/") for path in paths]


def test_unshuffled_files_labels_batches_and_pixels_equal_keras(keras_arrays, capsys):
    expected = KERAS["unshuffled"]
    dataset = image_dataset_from_directory(TRAIN, **expected["kwargs"])
    assert capsys.readouterr().out == "Found 90 files belonging to 3 classes.\n"
    assert dataset.class_names == expected["class_names"]
    assert relative(dataset.file_paths) == expected["file_paths"]
    assert len(dataset) == len(expected["batch_sizes"])
    batches = list(dataset)
    assert [labels.tolist() for _, labels in batches] == expected["batch_labels"]
    images, labels = batches[0]
    assert (images.dtype.name, labels.dtype.name) == (expected["image_dtype"],
                                                      expected["label_dtype"])
    np.testing.assert_allclose(images, keras_arrays["unshuffled/first_batch"], atol=1e-4)
    rescaled = np.asarray(minicnn.keras.layers.Rescaling(1.0 / 255)(images))
    np.testing.assert_allclose(rescaled, keras_arrays["unshuffled/first_batch_rescaled"],
                               atol=1e-6)


@pytest.mark.parametrize("size", [(48, 48), (40, 56)])
def test_resized_as_tensorflow_resizes(keras_arrays, size):
    """Half-pixel bilinear without antialiasing (Pillow's bilinear differs by up to 10s)."""
    dataset = image_dataset_from_directory(TRAIN, image_size=size, color_mode="grayscale",
                                           batch_size=4, shuffle=False)
    images, _ = next(iter(dataset))
    np.testing.assert_allclose(images, keras_arrays[f"resize_{size[0]}x{size[1]}/first_batch"],
                               atol=1e-3)


def test_rgb_and_categorical_labels(keras_arrays):
    dataset = image_dataset_from_directory(TRAIN, image_size=(64, 64), batch_size=2,
                                           shuffle=False, label_mode="categorical")
    images, labels = next(iter(dataset))
    np.testing.assert_allclose(images, keras_arrays["rgb_categorical/first_batch"], atol=1e-4)
    np.testing.assert_array_equal(labels, keras_arrays["rgb_categorical/first_labels"])
    assert labels.dtype == np.float32
    binary = image_dataset_from_directory(TRAIN, image_size=8, batch_size=4, shuffle=False,
                                          label_mode="binary", class_names=["Normal", "Covid"])
    images, labels = next(iter(binary))
    assert labels.shape == (4, 1) and labels.dtype == np.float32 and labels.max() == 0
    assert binary.class_names == ["Normal", "Covid"]


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_split_files_as_keras_shuffles_them(keras_arrays, subset):
    """The file list: NumPy's RandomState(seed) shuffle, then the split, exactly as Keras.
    The per-pass order afterwards is TensorFlow's RNG in Keras: not reproduced, but the
    pass holds the subset's files, each once."""
    expected = KERAS["split"]
    dataset = image_dataset_from_directory(TRAIN, subset=subset, **expected["kwargs"])
    assert relative(dataset.file_paths) == expected["subsets"][subset]["file_paths"]
    labels = np.concatenate([y for _, y in dataset])
    assert sorted(labels.tolist()) == sorted(
        sum(expected["subsets"][subset]["first_iteration_labels"], []))
    # the files of Keras's first batch, decoded and resized by minicnn: Keras's pixels
    first_files = expected["subsets"][subset]["first_iteration_files"][:8]
    ours = np.stack([resize(load_image(os.path.join(TRAIN, f), "grayscale"), (64, 64))
                     for f in first_files])
    np.testing.assert_allclose(ours, keras_arrays[f"split_{subset}/first_batch"], atol=1e-4)


def test_subset_both_and_its_validation_order(capsys):
    expected = KERAS["split"]
    training, validation = image_dataset_from_directory(TRAIN, subset="both",
                                                        **expected["kwargs"])
    assert capsys.readouterr().out.splitlines()[1:] == ["Using 72 files for training.",
                                                        "Using 18 files for validation."]
    assert relative(training.file_paths) == expected["subsets"]["both"]["train_file_paths"]
    assert relative(validation.file_paths) == expected["subsets"]["both"]["val_file_paths"]
    order = []
    for _, labels in validation:  # not shuffled: the file order, as Keras's first pass
        order += labels.tolist()
    names = KERAS["unshuffled"]["class_names"]
    assert order == [names.index(file.split("/")[0])
                     for file in expected["subsets"]["both"]["val_first_iteration_files"]]
    first, second = ([np.concatenate([y for _, y in training]).tolist()] for _ in range(2))
    assert first != second  # the training files are reshuffled on each pass, as tf.data does


def test_arguments_are_checked_as_keras_checks_them():
    with pytest.raises(ValueError, match="give a seed"):
        image_dataset_from_directory(TRAIN, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="subset is set, validation_split must be set"):
        image_dataset_from_directory(TRAIN, subset="training", seed=1)
    with pytest.raises(ValueError, match="exactly 2 classes"):
        image_dataset_from_directory(TRAIN, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="class_names .* do not match"):
        image_dataset_from_directory(TRAIN, class_names=["Cats"], verbose=False)


def test_the_dataset_methods_tutorials_call():
    dataset = image_dataset_from_directory(TRAIN, image_size=(16, 16), batch_size=10, seed=3,
                                           verbose=False)
    rescale = minicnn.keras.layers.Rescaling(1 / 255)
    piped = (dataset.cache().shuffle(1000, seed=1).prefetch(buffer_size=tf_data.AUTOTUNE)
             .map(lambda x, y: (rescale(x), y)))
    assert tf_data.AUTOTUNE == -1 and len(piped) == 9
    first = list(piped.as_numpy_iterator())
    assert all(x.max() <= 1.0 for x, _ in first)
    second = list(piped.as_numpy_iterator())
    pixels = lambda batches: sorted(float(x.sum()) for x, _ in batches)  # noqa: E731
    assert pixels(first) == pixels(second)  # cached: the same batches, in another order
    assert [len(y) for _, y in piped.take(2)] == [10, 10]
    samples = list(dataset.unbatch().take(15))
    assert len(samples) == 15 and samples[0][0].shape == (16, 16, 3)
    rows = Dataset.from_tensor_slices((np.arange(7), np.arange(7) * 2)).batch(3)
    assert [x.tolist() for x, _ in rows] == [[0, 1, 2], [3, 4, 5], [6]]


def test_fit_evaluate_and_predict_take_the_dataset():
    minicnn.set_seed(0)
    training, validation = image_dataset_from_directory(
        TRAIN, image_size=(16, 16), color_mode="grayscale", batch_size=16, validation_split=0.2,
        subset="both", seed=7, verbose=False)
    model = minicnn.Sequential([minicnn.keras.layers.Rescaling(1 / 255), minicnn.keras.layers.Flatten(),
                                minicnn.layers.Dense(3, activation="softmax")],
                               input_shape=(16, 16, 1))
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(training.cache().prefetch(tf_data.AUTOTUNE), validation_data=validation,
                        epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    assert model.predict(validation).shape == (18, 3)
    assert len(model.evaluate(validation)) == 2


def test_load_img_and_img_to_array_equal_keras(keras_arrays):
    assert image_img_to_array is img_to_array and from_preprocessing is image_dataset_from_directory
    for name, case in KERAS["load_img"].items():
        image = load_img(os.path.join(ROOT, case["path"]), **case["kwargs"])
        assert (image.mode, list(image.size)) == (case["pil_mode"], case["pil_size"]), name
        array = img_to_array(image)
        assert array.dtype == np.float32 and list(array.shape) == case["shape"], name
        np.testing.assert_array_equal(array, keras_arrays[f"load_img/{name}"], err_msg=name)


def test_array_to_img_scales_as_keras():
    image = array_to_img(np.array([[[0.0], [0.5]], [[1.0], [0.25]]]))
    assert image.mode == "L" and np.asarray(image).tolist() == [[0, 127], [255, 63]]
    assert array_to_img(np.full((2, 2, 3), 7.0), scale=False).mode == "RGB"
