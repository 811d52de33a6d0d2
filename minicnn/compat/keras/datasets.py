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
import zlib

import numpy as np

from minicnn.training.saving import reading

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
    labels uint8 (n,); from datasets/mnist.npz (``path`` relative to it, or absolute).
    The file is read as minicnn reads its own .npz files (reading.open_npz: zip
    checked, no pickle, a compressed file may not inflate past the zip bomb bound),
    then every array's header is checked before it is read."""
    path = os.path.join(cache_dir(), path)
    if not os.path.lexists(path):
        raise missing(path, f"{ORIGIN}mnist.npz", "mnist.npz")
    wanted = {"x_train": 3, "y_train": 1, "x_test": 3, "y_test": 1}
    with reading.open_npz(path, "Keras's mnist.npz") as members:
        arrays = {}
        for name, ndim in wanted.items():
            if name not in members.infos:
                raise ValueError(f"{path}: has no array {name}; Keras's mnist.npz holds "
                                 f"{', '.join(wanted)}")
            shape, dtype = members.header(name)
            if dtype != np.uint8 or len(shape) != ndim or shape[1:] not in ((), (28, 28)):
                raise ValueError(f"{path}: {name} is {dtype} of shape {shape}; Keras's "
                                 f"mnist.npz holds uint8 "
                                 f"{'images (n, 28, 28)' if ndim == 3 else 'labels (n,)'}")
            arrays[name] = members.read_array(name)
    for part in ("train", "test"):
        if len(arrays[f"x_{part}"]) != len(arrays[f"y_{part}"]):
            raise ValueError(f"{path}: x_{part} holds {len(arrays[f'x_{part}'])} images but "
                             f"y_{part} {len(arrays[f'y_{part}'])} labels")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_fashion_mnist():
    """Fashion-MNIST: as MNIST, from the four gzip'd IDX files in datasets/fashion-mnist/
    (labels start at byte 8, images at byte 16, as Keras reads them). Each file must be
    gzip, inflate within the zip bomb bound, and hold the count its header states."""
    folder = os.path.join(cache_dir(), "fashion-mnist")
    contents = []
    for name in FASHION_FILES:
        path = os.path.join(folder, name)
        if not os.path.lexists(path):
            raise missing(path, ORIGIN + name, f"fashion-mnist/{name}")
        contents.append((path, inflated(path)))
    parts = []
    for (labels_path, labels), (images_path, images) in (contents[:2], contents[2:]):
        y = idx_array(labels_path, labels, 2049, 8, ())
        x = idx_array(images_path, images, 2051, 16, (28, 28))
        if len(x) != len(y):
            raise ValueError(f"{labels_path}: holds {len(y)} labels, but {images_path} holds "
                             f"{len(x)} images")
        parts.append((x, y))
    return tuple(parts)


def inflated(path):
    """A gzip file's contents, refused (naming the file) when it is not gzip, is cut
    short, or inflates past the .npz reader's bound (a gzip bomb)."""
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file (a folder, a pipe or a device)")
    limit = reading.INFLATION * os.path.getsize(path) + reading.INFLATION_FLOOR
    try:
        with gzip.open(path, "rb") as file:
            data = file.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{path}: not a gzip'd file as Keras downloads it ({error})") from None
    if len(data) > limit:
        raise ValueError(f"{path}: inflates to more than {limit:,} bytes from "
                         f"{os.path.getsize(path):,}; refused (a gzip bomb, not a dataset)")
    return data


def idx_array(path, data, magic, offset, item_shape):
    """The uint8 array of an IDX file's bytes: its magic number, its count and its
    size checked against its header (labels: magic 2049; images 2051, 28 x 28)."""
    header = np.frombuffer(data[:offset], ">u4") if len(data) >= offset else None
    expected = (magic,) + (item_shape if item_shape else ())
    if header is None or header[0] != magic or tuple(header[2:]) != item_shape:
        raise ValueError(f"{path}: not an IDX file as Keras reads it (its header should start "
                         f"with {expected}, got {None if header is None else tuple(header)})")
    count, size = int(header[1]), int(np.prod(item_shape, dtype=np.int64))
    if len(data) - offset != count * size:
        raise ValueError(f"{path}: its header declares {count} items of {size} bytes, but it "
                         f"holds {len(data) - offset} bytes after the header; the file is "
                         f"damaged")
    return np.frombuffer(data, np.uint8, offset=offset).reshape((count,) + item_shape)


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
        limit = reading.INFLATION * os.path.getsize(archive) + reading.INFLATION_FLOOR
        try:
            with tarfile.open(archive, "r:gz") as tar:
                members = [tar.getmember(f"{inner}/{name}") for name in names]
                if sum(member.size for member in members) > limit or not all(
                        member.isfile() for member in members):
                    raise ValueError("its members are not files, or inflate past "
                                     f"{limit:,} bytes (a tar bomb)")
                return {name: tar.extractfile(member).read()
                        for name, member in zip(names, members)}
        except (tarfile.TarError, KeyError, OSError, EOFError, zlib.error, ValueError) as error:
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
    parts = [cifar_batch(contents[n], "labels", f"{cache_dir()}: CIFAR-10 {n}")
             for n in names]
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
    return tuple(cifar_batch(contents[n], f"{label_mode}_labels",
                             f"{cache_dir()}: CIFAR-100 {n}")
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
