"""keras.utils: to_categorical, set_random_seed, image_dataset_from_directory and the
image utilities; PyDataset (Sequence) for data of one's own; get_file; Progbar;
plot_model (plot_model.py); the custom-object registry Keras's files use."""
import contextlib
import hashlib
import os
import shutil
import tarfile
import urllib.parse
import urllib.request
import zipfile

import numpy as np

from minicnn.compat.keras.backend import clear_session  # noqa: F401
from minicnn.compat.keras.datasets import keras_home
from minicnn.compat.keras.plot_model import plot_model  # noqa: F401
from minicnn.compat.missing import missing_names
from minicnn.preprocessing.image_dataset import image_dataset_from_directory
from minicnn.preprocessing.image_utils import array_to_img, img_to_array, load_img, save_img
from minicnn.seeding import set_seed as set_random_seed
from minicnn.tape.tensor import value_of
from minicnn.training.callbacks.progress import ProgressBar


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows from class indices, as Keras: (N,) -> (N, num_classes)."""
    y = np.asarray(y, dtype=np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    num_classes = int(y.max()) + 1 if num_classes is None else num_classes
    return np.eye(num_classes, dtype=dtype)[y]


def normalize(x, axis=-1, order=2):
    """x divided by its L-``order`` norm along ``axis`` (0 norms left as they are)."""
    x = np.asarray(value_of(x))
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)


# -- data of one's own ------------------------------------------------------------------------------
class PyDataset:
    """Keras's PyDataset (keras.utils.Sequence): batches by index. A subclass defines
    ``__len__`` (batches per epoch) and ``__getitem__(i)`` (batch i: x, (x, y) or
    (x, y, sample_weight)); fit, evaluate and predict take it as a loader and call
    ``on_epoch_end`` after each epoch. workers and use_multiprocessing are accepted;
    minicnn reads the batches in order, one at a time."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__}.__len__: the number of batches")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}.__getitem__(index): batch index")

    def on_epoch_end(self):
        pass

    @property
    def num_batches(self):
        return len(self)


Sequence = PyDataset


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """(x,), (x, y) or (x, y, sample_weight): a batch as fit takes it."""
    if y is None:
        return (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) of a batch, None where absent."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    return tuple(data) + (None,) * (3 - len(data))


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Two tf.data-style Datasets of the samples of ``dataset`` (an array, a tuple of
    arrays, or a Dataset of samples): sizes as fractions (< 1) or counts; the other side
    gets the rest (half each when neither is given)."""
    from minicnn.preprocessing.dataset import Dataset
    from minicnn.seeding import make_rng
    if isinstance(dataset, Dataset):
        samples = list(dataset.as_numpy_iterator())
        parts = tuple(np.stack(p) for p in zip(*samples)) if isinstance(samples[0], tuple) \
            else np.stack(samples)
    else:
        parts = dataset
    arrays = tuple(np.asarray(p) for p in parts) if isinstance(parts, (tuple, list)) \
        else (np.asarray(parts),)
    n = len(arrays[0])
    count = lambda size: None if size is None else (  # noqa: E731
        int(round(size * n)) if isinstance(size, float) and size < 1 else int(size))
    left, right = count(left_size), count(right_size)
    left = n // 2 if left is None and right is None else n - right if left is None else left
    right = n - left if right is None else right
    if left < 0 or right < 0 or left + right > n:
        raise ValueError(f"split_dataset: left_size={left_size}, right_size={right_size} for "
                         f"{n} samples")
    order = make_rng(seed).permutation(n) if shuffle else np.arange(n)
    pick = lambda rows: tuple(a[rows] for a in arrays) if len(arrays) > 1 else arrays[0][rows]  # noqa: E731
    return (Dataset.from_tensor_slices(pick(order[:left])),
            Dataset.from_tensor_slices(pick(order[n - right:])))


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Keras's get_file: the file from ``origin`` kept in KERAS_HOME/cache_subdir (downloaded
    once; a local copy whose hash does not match is downloaded again). With extract=True
    (or untar), the archive is unpacked and the folder returned, as Keras 3 names it."""
    if origin is None:
        raise ValueError('get_file: give origin= (the URL of the file to download)')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir or keras_home())
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    name = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name or os.sep in name:
        raise ValueError(f"get_file: fname must be a file name (no folders: use cache_dir), "
                         f"got {fname!r}")
    target, unpacked = os.path.join(folder, name), None
    if extract or untar:
        stem = name[:name.find(".")] if "." in name else name
        unpacked = os.path.join(folder, f"{stem}_extracted" if "." in name else stem)
        if "." not in name:
            target = os.path.join(folder, f"{name}_archive")
    fresh = force_download or not os.path.exists(target) or (
        file_hash is not None and not _hash_matches(target, file_hash, hash_algorithm))
    if fresh:
        print(f"Downloading data from {origin}")
        try:
            urllib.request.urlretrieve(origin, target)
        except BaseException:
            if os.path.exists(target):
                os.remove(target)
            raise
        if file_hash is not None and not _hash_matches(target, file_hash, hash_algorithm):
            raise ValueError(f"get_file: {target} does not match the {hash_algorithm} hash "
                             f"{file_hash} (incomplete or corrupted)")
    if unpacked is None:
        return target
    if fresh or not os.path.exists(unpacked):
        _extract(target, unpacked, "tar" if untar else archive_format)
    return unpacked


def _hash_matches(path, file_hash, algorithm):
    kind = "sha256" if algorithm == "auto" and len(file_hash) == 64 else (
        "md5" if algorithm == "auto" else algorithm)
    digest = hashlib.new(kind)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == file_hash


def _extract(path, folder, archive_format):
    kinds = ("tar", "zip") if archive_format == "auto" else (archive_format,)
    if "tar" in kinds and tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            archive.extractall(folder, filter="data")
    elif "zip" in kinds and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
    else:
        shutil.copy(path, folder)


class Progbar:
    """Keras's Progbar: a progress bar a loop of one's own draws (fit's own bar)."""

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target, self.verbose, self.seen = target, verbose, 0
        self.values = {}
        self.bar = ProgressBar(target, width) if verbose else None

    def update(self, current, values=None, finalize=None):
        self.seen = current
        self.values.update({k: float(np.asarray(value_of(v))) for k, v in (values or [])})
        final = finalize if finalize is not None else (self.target is not None
                                                       and current >= self.target)
        if self.bar is not None:
            self.bar.update(current, self.values, final=final)

    def add(self, n, values=None):
        self.update(self.seen + n, values)


# -- the registry of custom objects (Keras's files name classes; minicnn's hold none) -------------
_custom_objects = {}


def register_keras_serializable(package="Custom", name=None):
    """A decorator registering a class or function under "package>name", as Keras's."""
    def register(obj):
        _custom_objects[f"{package}>{name or obj.__name__}"] = obj
        return obj
    return register


def get_custom_objects():
    return _custom_objects


@contextlib.contextmanager
def custom_object_scope(*scopes):
    """Objects added to the registry for the block ({name: object} dicts)."""
    added = {k: v for scope in scopes for k, v in (scope or {}).items()}
    before = dict(_custom_objects)
    _custom_objects.update(added)
    try:
        yield
    finally:
        _custom_objects.clear()
        _custom_objects.update(before)


CustomObjectScope = custom_object_scope

__all__ = ["to_categorical", "set_random_seed", "image_dataset_from_directory", "load_img",
           "img_to_array", "array_to_img", "save_img", "normalize", "PyDataset", "Sequence",
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "split_dataset", "get_file",
           "Progbar", "register_keras_serializable", "get_custom_objects",
           "custom_object_scope", "CustomObjectScope", "clear_session", "plot_model"]
__getattr__ = missing_names("keras.utils", {}, __all__)
