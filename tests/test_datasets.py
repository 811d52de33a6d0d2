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


# -- a damaged cache: every error names the file (round 4) -----------------------------------
def cache_copy(tmp_path, monkeypatch):
    """A copy of the fixture cache under tmp_path, made Keras's cache."""
    import shutil
    shutil.copytree(os.path.join(KERAS_HOME, "datasets"), tmp_path / "datasets")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path / "datasets"


def mnist_arrays(n=5):
    return {"x_train": np.zeros((n, 28, 28), np.uint8), "y_train": np.zeros(n, np.uint8),
            "x_test": np.zeros((n, 28, 28), np.uint8), "y_test": np.zeros(n, np.uint8)}


def truncated(path):
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def without_y_test(path):
    arrays = mnist_arrays()
    del arrays["y_test"]
    np.savez(path, **arrays)


def plain_npy(path):
    with open(path, "wb") as file:
        np.save(file, np.zeros(5))


def changed(**arrays):
    return lambda path: np.savez(path, **{**mnist_arrays(), **arrays})


def bomb(path):  # 100 MB of zeros deflated to about 100 kB
    np.savez_compressed(path, **{**mnist_arrays(),
                                 "x_train": np.zeros((130_000, 28, 28), np.uint8)})


@pytest.mark.parametrize("damage, words", [
    (truncated, "not Keras's mnist.npz"),
    (without_y_test, "has no array y_test"),
    (plain_npy, "holds one NumPy array (.npy), not Keras's mnist.npz"),
    (changed(y_train=np.zeros(3, np.uint8)), "x_train holds 5 images but y_train 3 labels"),
    (changed(x_train=np.zeros((5, 28, 28), np.complex64)), "x_train is complex64"),
    (changed(x_test=np.zeros((5, 32, 32), np.uint8)), "x_test is uint8 of shape (5, 32, 32)"),
    (changed(y_test=np.array([{"a": 1}] * 5, dtype=object)), "y_test holds Python objects"),
    (bomb, "refused (a zip bomb, not Keras's mnist.npz)"),
])
def test_a_damaged_mnist_npz_is_named(tmp_path, monkeypatch, damage, words):
    path = cache_copy(tmp_path, monkeypatch) / "mnist.npz"
    damage(path)
    with pytest.raises(ValueError) as error:
        mnist.load_data()
    assert str(error.value).startswith(str(path)) and words in str(error.value), error.value


def idx(magic, *sizes):
    return np.array((magic,) + sizes, ">u4").tobytes()


def gzipped(data):
    return gzip.compress(data)


@pytest.mark.parametrize("name, content, words", [
    ("train-images-idx3-ubyte.gz", lambda data: data[:len(data) // 2], "not a gzip'd file"),
    ("train-labels-idx1-ubyte.gz", lambda data: b"plain text" * 10, "not a gzip'd file"),
    ("train-images-idx3-ubyte.gz", lambda data: gzipped(idx(2051, 5, 28, 28) + bytes(3236)),
     "declares 5 items of 784 bytes, but it holds 3236"),
    ("t10k-labels-idx1-ubyte.gz", lambda data: gzipped(idx(2049, 3) + bytes(3)),
     "holds 3 labels, but"),
    ("train-labels-idx1-ubyte.gz", lambda data: gzipped(b"\0" * 3), "not an IDX file"),
    ("t10k-images-idx3-ubyte.gz", lambda data: gzipped(idx(2051, 1, 32, 32) + bytes(1024)),
     "not an IDX file"),
    ("train-images-idx3-ubyte.gz", lambda data: gzipped(bytes(100 * 2**20)),
     "refused (a gzip bomb, not a dataset)"),
])
def test_a_damaged_fashion_mnist_file_is_named(tmp_path, monkeypatch, name, content, words):
    path = cache_copy(tmp_path, monkeypatch) / "fashion-mnist" / name
    path.write_bytes(content(path.read_bytes()))
    with pytest.raises(ValueError) as error:
        fashion_mnist.load_data()
    assert str(path) in str(error.value) and words in str(error.value), error.value


def test_a_damaged_cifar_archive_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    archive = tmp_path / "datasets" / "cifar-10-batches-py-target_archive"
    archive.write_bytes(b"garbage" * 100)
    with pytest.raises(ValueError, match=f"{archive}: not the CIFAR-10 archive"):
        cifar10.load_data()
