"""keras.datasets: files in Keras's own cache layout ($KERAS_HOME/datasets) read as Keras
reads them (tests/fixtures/keras_home: small MNIST and Fashion-MNIST in Keras's formats)."""
import gzip
import os
import pickle
import tarfile

import numpy as np
import pytest

from minicnn import datasets
from minicnn.compat.keras.datasets import cifar10, cifar100, fashion_mnist, mnist

KERAS_HOME = os.path.join(os.path.dirname(__file__), "fixtures", "keras_home")


@pytest.fixture
def keras_home(monkeypatch):
    monkeypatch.setenv("KERAS_HOME", KERAS_HOME)


def test_mnist_from_keras_cache(keras_home):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (600, 28, 28), (600,), (100, 28, 28), (100,))
    assert x_train.dtype == y_train.dtype == np.uint8
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    with np.load(os.path.join(KERAS_HOME, "datasets", "mnist.npz")) as stored:
        np.testing.assert_array_equal(x_test, stored["x_test"])


def test_fashion_mnist_from_keras_gz_files(keras_home):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (600, 28, 28) and x_test.shape == (100, 28, 28)
    assert x_train.dtype == np.uint8 and y_test.dtype == np.uint8
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    path = os.path.join(KERAS_HOME, "datasets", "fashion-mnist", "t10k-images-idx3-ubyte.gz")
    with gzip.open(path) as file:
        assert file.read()[16:16 + 784] == x_test[0].tobytes()


def test_a_missing_file_names_it_and_where_keras_gets_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="(?s)mnist.npz is not in Keras's dataset cache.*"
                                                "storage.googleapis.com/tensorflow/tf-keras-"
                                                "datasets/mnist.npz") as error:
        mnist.load_data()
    assert error.value.filename == os.path.join(str(tmp_path), "datasets", "mnist.npz")
    assert not os.path.exists(tmp_path / "datasets")  # nothing downloaded, nothing made
    with pytest.raises(FileNotFoundError, match="fashion-mnist/train-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data()
    with pytest.raises(FileNotFoundError, match="(?s)cifar-10-python.tar.gz and extract it into"):
        cifar10.load_data()


def test_the_default_cache_is_the_home_folders_keras(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert datasets.keras_home() == os.path.join(str(tmp_path), ".keras")


def cifar_batch(n, offset, label_key="labels"):
    data = (np.arange(n * 3072) + offset).astype(np.uint8).reshape(n, 3072)
    return pickle.dumps({b"data": data, label_key.encode(): list(range(n))}, protocol=4), data


def test_cifar10_from_the_extracted_folder_or_the_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    pixels = []
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        data, raw = cifar_batch(2, i)
        (folder / name).write_bytes(data)
        pixels.append(raw)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_train.dtype == y_train.dtype == np.uint8
    # Keras's layout: each row is 1024 reds, 1024 greens, 1024 blues, row by row
    np.testing.assert_array_equal(x_test[1, 0, 1], pixels[5][1, [1, 1025, 2049]])
    archive = tmp_path / "datasets" / "cifar-10-batches-py-target_archive"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    for name in os.listdir(folder):
        os.remove(folder / name)
    (x_again, _), _ = cifar10.load_data()
    np.testing.assert_array_equal(x_again, x_train)


def test_cifar100_labels_and_no_code_from_pickles(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets" / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    for name in ("train", "test"):
        batch = {b"data": np.zeros((3, 3072), np.uint8), b"fine_labels": [7, 8, 9],
                 b"coarse_labels": [1, 2, 3]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=4))
    (_, y_train), _ = cifar100.load_data(label_mode="coarse")
    assert y_train.ravel().tolist() == [1, 2, 3]
    (folder / "train").write_bytes(pickle.dumps({b"data": os.getcwd}, protocol=4))  # a function
    with pytest.raises(ValueError, match="refusing to load posix.getcwd"):
        cifar100.load_data()
