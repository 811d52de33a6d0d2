"""keras.datasets: MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 from Keras's own cache.

    (x_train, y_train), (x_test, y_test) = minicnn.compat.keras.datasets.mnist.load_data()

Keras downloads each dataset once into ``$KERAS_HOME/datasets`` (default
``~/.keras/datasets``); minicnn reads the same files, in Keras's names and
formats, and returns what Keras returns (uint8 images, uint8 labels). It never
downloads: when a file is missing, the error names it, where to put it and
where Keras fetches it from. minicnn checks no file hash (Keras checks mnist.npz's
and the CIFAR archives'), so a smaller file in Keras's format is read as it is.

    mnist            datasets/mnist.npz (x_train, y_train, x_test, y_test)
    fashion_mnist    datasets/fashion-mnist/{train,t10k}-{labels-idx1,images-idx3}-ubyte.gz
    cifar10          datasets/cifar-10-batches-py-target/cifar-10-batches-py/
                     {data_batch_1..5, test_batch}
    cifar100         datasets/cifar-100-python-target/cifar-100-python/{train,test}
"""
import gzip
import io
import os
import pickle
import tarfile

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CIFAR_ORIGIN = "https://www.cs.toronto.edu/~kriz/"
FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def keras_home():
    """Keras's cache root: $KERAS_HOME, else ~/.keras (/tmp/.keras when the home
    folder cannot be written, as Keras decides)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")


def cache_dir():
    return os.path.join(keras_home(), "datasets")


def missing(path, origin, what, put=None):
    """The error for a dataset file that is not in Keras's cache."""
    put = put or f"put Keras's file there: download {origin}"
    return FileNotFoundError(
        2, f"{what} is not in Keras's dataset cache, and minicnn does not download: {put} (or run "
           f"that keras.datasets load_data() once where Keras is installed: it saves the file "
           f"there). The cache is $KERAS_HOME/datasets, by default ~/.keras/datasets", path)


def load_mnist(path="mnist.npz"):
    """MNIST: ((x_train, y_train), (x_test, y_test)), images uint8 (n, 28, 28),
    labels uint8 (n,); from datasets/mnist.npz (``path`` relative to it, or absolute)."""
    path = os.path.join(cache_dir(), path)
    if not os.path.isfile(path):
        raise missing(path, f"{ORIGIN}mnist.npz", "mnist.npz")
    with np.load(path, allow_pickle=False) as arrays:
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_fashion_mnist():
    """Fashion-MNIST: as MNIST, from the four gzip'd IDX files in datasets/fashion-mnist/
    (labels start at byte 8, images at byte 16, as Keras reads them)."""
    folder = os.path.join(cache_dir(), "fashion-mnist")
    contents = []
    for name in FASHION_FILES:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise missing(path, ORIGIN + name, f"fashion-mnist/{name}")
        with gzip.open(path, "rb") as file:
            contents.append(file.read())
    y_train = np.frombuffer(contents[0], np.uint8, offset=8)
    x_train = np.frombuffer(contents[1], np.uint8, offset=16).reshape(len(y_train), 28, 28)
    y_test = np.frombuffer(contents[2], np.uint8, offset=8)
    x_test = np.frombuffer(contents[3], np.uint8, offset=16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Reads the CIFAR batches (pickled dicts of NumPy arrays and lists) and
    refuses any other object, so reading a dataset runs no code (as Keras's
    RestrictedUnpickler)."""
    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset file")


def cifar_batch(data, label_key, where):
    """(images uint8 (n, 32, 32, 3), labels uint8 (n, 1)) from one pickled CIFAR batch."""
    try:
        batch = NumpyOnlyUnpickler(io.BytesIO(data), encoding="bytes").load()
        batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
        images = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch[label_key], dtype=np.uint8).reshape(-1, 1)
    except (pickle.UnpicklingError, KeyError, ValueError, AttributeError, EOFError) as error:
        raise ValueError(f"{where}: not a CIFAR batch as Keras reads it ({error})") from None
    return images.transpose(0, 2, 3, 1), labels


def cifar_members(target, inner, names, origin, what):
    """{name: bytes} of a CIFAR dataset's batches: from the folder Keras 3 extracts
    (``datasets/<target>/<inner>``) or Keras 2 did (``datasets/<inner>``), else
    from the archive Keras 3 downloaded (``datasets/<target>_archive``), read
    without extracting."""
    root = cache_dir()
    for folder in (os.path.join(root, target, inner), os.path.join(root, inner)):
        if all(os.path.isfile(os.path.join(folder, n)) for n in names):
            contents = {}
            for name in names:
                with open(os.path.join(folder, name), "rb") as file:
                    contents[name] = file.read()
            return contents
    archive = os.path.join(root, f"{target}_archive")
    if os.path.isfile(archive):
        try:
            with tarfile.open(archive, "r:gz") as tar:
                return {name: tar.extractfile(f"{inner}/{name}").read() for name in names}
        except (tarfile.TarError, KeyError, OSError) as error:
            raise ValueError(f"{archive}: not the {what} archive Keras downloads "
                             f"({error})") from None
    folder = os.path.join(root, target, inner)
    raise missing(folder, origin, what,
                  f"download {origin} and extract it into {os.path.join(root, target)} "
                  f"(giving {os.path.join(folder, names[0])}), or save the archive itself as "
                  f"{archive}")


def load_cifar10():
    """CIFAR-10: images uint8 (n, 32, 32, 3), labels uint8 (n, 1), training
    batches data_batch_1..5 in order, then test_batch."""
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    contents = cifar_members("cifar-10-batches-py-target", "cifar-10-batches-py", names,
                             CIFAR_ORIGIN + "cifar-10-python.tar.gz", "CIFAR-10")
    parts = [cifar_batch(contents[n], "labels", f"CIFAR-10 {n}") for n in names]
    x_train = np.concatenate([x for x, _ in parts[:5]])
    y_train = np.concatenate([y for _, y in parts[:5]])
    return (x_train, y_train), parts[5]


def load_cifar100(label_mode="fine"):
    """CIFAR-100: as CIFAR-10, labels "fine" (100 classes) or "coarse" (20)."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"cifar100.load_data: label_mode must be 'fine' or 'coarse', got "
                         f"{label_mode!r}")
    contents = cifar_members("cifar-100-python-target", "cifar-100-python", ["train", "test"],
                             CIFAR_ORIGIN + "cifar-100-python.tar.gz", "CIFAR-100")
    return tuple(cifar_batch(contents[n], f"{label_mode}_labels", f"CIFAR-100 {n}")
                 for n in ("train", "test"))


class Dataset:
    """One of keras.datasets' modules: ``<name>.load_data()``."""

    def __init__(self, name, load_data):
        self.__name__, self.load_data = name, load_data

    def __repr__(self):
        return f"<minicnn.compat.keras.datasets.{self.__name__}: load_data() reads Keras's cache>"


mnist = Dataset("mnist", load_mnist)
fashion_mnist = Dataset("fashion_mnist", load_fashion_mnist)
cifar10 = Dataset("cifar10", load_cifar10)
cifar100 = Dataset("cifar100", load_cifar100)

__all__ = ["mnist", "fashion_mnist", "cifar10", "cifar100", "keras_home"]
