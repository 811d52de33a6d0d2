"""h5py, the one extra Keras files need, and reading HDF5 files safely.

Everything minicnn reads from an HDF5 file goes through here:
- only hard links inside the file are followed: a soft link (which could loop) or a
  link to another file (external) is refused, naming it;
- a dataset is checked before it is read (``checked_dataset``): its type (a real
  float; an integer where a count is kept), its storage (inside the file: no external
  or virtual dataset; only the filters Keras and h5py write: gzip, shuffle,
  fletcher32), and its declared size (shape x itemsize, known without reading),
  which a ``Budget`` counts against the file's size on disk, as the .npz reader's
  zip bomb rule: a gzip'd dataset of 3 GB in a 1 MB file is refused unread;
- an error h5py raises on a damaged file is a ValueError naming the file and the
  entry (``errors``).
"""
import contextlib
import math
import os
import zlib

import numpy as np

from minicnn.training.saving.reading import INFLATION, INFLATION_FLOOR

INSTALL_HINT = ('python -m pip install -e ".[keras]"   (in a clone of minicnn; elsewhere: '
                'python -m pip install h5py)')
# h5py's errors on a damaged file (and zlib's, for a damaged gzip'd dataset)
H5_ERRORS = (OSError, RuntimeError, KeyError, TypeError, ValueError, zlib.error)


def require_h5py(path, verb):
    """The h5py module, or an ImportError saying how to install it. Keras's .keras
    and .h5 files hold their weights in HDF5, so nothing is written without it."""
    try:
        import h5py
    except ImportError:
        raise ImportError(f"{path}: {verb} a Keras file (.keras, .h5) needs h5py, which is not "
                          f"installed. Install it with\n    {INSTALL_HINT}\nor save in "
                          f"minicnn's own format (.npz), which needs nothing more") from None
    return h5py


@contextlib.contextmanager
def errors(where, entry):
    """h5py's (and zlib's) errors inside as a ValueError naming the file and the entry;
    minicnn's own ValueErrors (which start with the file's name) pass unchanged."""
    try:
        yield
    except H5_ERRORS as error:
        if isinstance(error, ValueError) and str(error).startswith(str(where)):
            raise
        raise ValueError(f"{where}: {entry}: cannot be read ({type(error).__name__}: "
                         f"{error}); the file is damaged or not a Keras file") from None


def open_file(h5py, source, where, entry):
    """An open h5py.File (read only) of ``source`` (a path or a file object)."""
    try:
        return h5py.File(source, "r")
    except H5_ERRORS as error:
        raise ValueError(f"{where}: {entry} is not a readable HDF5 file ({error})") from None


def regular_file(path, what):
    """Refuse a path that is missing (FileNotFoundError) or not a regular file."""
    if not os.path.exists(path):
        raise FileNotFoundError(2, f"no such {what}", path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file (a folder, a pipe or a device), not a "
                         f"{what}")


def group(h5py, parent, path, where):
    """The group at ``path`` under ``parent``, through hard links only."""
    return _node(h5py, parent, path, h5py.Group, where)


def dataset(h5py, parent, path, where):
    """The dataset (not read) at ``path`` under ``parent``, through hard links only."""
    return _node(h5py, parent, path, h5py.Dataset, where)


def has(h5py, parent, name):
    """Whether ``parent`` holds a link named ``name`` (of any kind)."""
    return parent.get(name, getlink=True) is not None


def _node(h5py, parent, path, kind, where):
    """parent[path], part by part, each part a hard link inside the file; a
    ValueError naming the path when absent, a soft or external link, or not a ``kind``."""
    noun = "group" if kind is h5py.Group else "dataset"
    node, walked = parent, parent.name.rstrip("/")
    for part in [p for p in str(path).split("/") if p]:
        walked = f"{walked}/{part}"
        link = node.get(part, getlink=True)
        if link is None:
            raise ValueError(f"{where}: has no {noun} {walked}")
        if isinstance(link, h5py.ExternalLink):
            raise ValueError(f"{where}: {walked} links to another file; refused")
        if not isinstance(link, h5py.HardLink):
            raise ValueError(f"{where}: {walked} is a soft link; minicnn follows only the "
                             f"file's own (hard) links, as Keras writes them")
        node = node[part]
    if not isinstance(node, kind):
        raise ValueError(f"{where}: {walked} is not a {noun}")
    return node


class Budget:
    """The bytes the datasets read from one file may declare in all: INFLATION times
    the file's size on disk, plus INFLATION_FLOOR (the .npz reader's rule)."""

    def __init__(self, path):
        self.path = path
        self.limit = INFLATION * os.path.getsize(path) + INFLATION_FLOOR
        self.spent = 0

    def spend(self, size, name):
        self.spent += size
        if self.spent > self.limit:
            raise ValueError(f"{self.path}: {name} declares {size:,} bytes; the arrays read "
                             f"so far would take {self.spent:,}, more than a file of "
                             f"{os.path.getsize(self.path):,} bytes can hold ({self.limit:,} "
                             f"with compression); refused unread")


def checked_dataset(h5py, node, where, budget, kind="float"):
    """(shape, dtype) of a dataset, checked without reading it: ``kind`` "float"
    (float16/32/64) or "count" (an integer); its storage inside the file, its filters
    those Keras and h5py write, and its size spent from ``budget``."""
    name = node.name
    dtype = node.dtype
    wanted = ("float16, float32 or float64" if kind == "float" else "an integer")
    good = (dtype.kind == "f" and dtype.itemsize in (2, 4, 8)) if kind == "float" else (
        dtype.kind in "iu")
    if not good or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"{where}: {name} has dtype {describe(h5py, dtype)}; it must be {wanted}")
    shape = node.shape
    if shape is None:
        raise ValueError(f"{where}: {name} holds no array (an empty dataspace)")
    if node.external:
        raise ValueError(f"{where}: {name} keeps its data in another file "
                         f"({node.external[0][0]}); refused")
    if node.is_virtual:
        raise ValueError(f"{where}: {name} is a virtual dataset (its data in other files); "
                         f"refused")
    plist = node.id.get_create_plist()
    allowed = {h5py.h5z.FILTER_DEFLATE: "gzip", h5py.h5z.FILTER_SHUFFLE: "shuffle",
               h5py.h5z.FILTER_FLETCHER32: "fletcher32"}
    for i in range(plist.get_nfilters()):
        code, _, _, label = plist.get_filter(i)
        if code not in allowed:
            raise ValueError(f"{where}: {name} is stored through the filter "
                             f"{text(label, 'replace') or code}; minicnn reads "
                             f"{', '.join(allowed.values())}")
    size = math.prod(shape) * dtype.itemsize
    if plist.get_layout() == h5py.h5d.CONTIGUOUS and plist.get_nfilters() == 0:
        stored = node.id.get_storage_size()
        if stored != size:
            raise ValueError(f"{where}: {name} declares shape {shape} of {dtype} ({size:,} "
                             f"bytes) but stores {stored:,}; the file is damaged")
    budget.spend(size, name)
    return tuple(shape), dtype


def describe(h5py, dtype):
    """A dtype as a reader understands it (references and compounds named)."""
    if h5py.check_dtype(ref=dtype) is not None:
        return "object reference"
    if h5py.check_dtype(vlen=dtype) is not None:
        return f"variable-length {h5py.check_dtype(vlen=dtype)}"
    if dtype.fields is not None:
        return f"compound {dtype}"
    return str(dtype)


def read(node, where):
    """A checked dataset's array."""
    with errors(where, node.name):
        return node[()]


def text(value, errors="strict"):
    """An HDF5 attribute as str (h5py gives bytes or str)."""
    return value.decode("utf-8", errors) if isinstance(value, bytes) else str(value)


def texts(node, attribute, where):
    """An attribute that lists names (layer_names, weight_names) as [str]; [] when absent."""
    value = node.attrs.get(attribute)
    if value is None:
        return []
    array = np.asarray(value)
    if array.size == 0:
        return []  # Keras writes an empty list as an empty float array
    if array.ndim != 1 or array.dtype.kind not in "SUO" or not all(
            isinstance(item, (bytes, str)) for item in array.tolist()):
        raise ValueError(f"{where}: {node.name} attribute {attribute} must be a list of names, "
                         f"got {array.tolist()!r:.80}")
    try:
        return [text(item) for item in array.tolist()]
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: {node.name} attribute {attribute}: not UTF-8 "
                         f"({error})") from None
