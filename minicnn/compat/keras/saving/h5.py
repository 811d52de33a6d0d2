"""h5py, the one extra Keras files need, and reading HDF5 groups and datasets safely."""

INSTALL_HINT = ('python -m pip install -e ".[keras]"   (in a clone of minicnn; elsewhere: '
                'python -m pip install h5py)')


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


def group(h5py, parent, path, where):
    """The group at ``path`` under ``parent``, following only links inside the file
    (an external link would read another file); a ValueError naming it when absent."""
    node = parent
    for part in path.strip("/").split("/"):
        if part:
            node = _member(h5py, node, part, h5py.Group, f"{path!r}", where)
    return node


def dataset(h5py, parent, name, where):
    """A dataset's array (read whole), following only links inside the file."""
    return _member(h5py, parent, name, h5py.Dataset, f"{parent.name}/{name}", where)[()]


def _member(h5py, parent, name, kind, shown, where):
    """parent[name], refused (a ValueError naming ``shown``) when absent, a link to
    another file, or not a ``kind`` (h5py.Group or h5py.Dataset)."""
    noun = "group" if kind is h5py.Group else "dataset"
    link = parent.get(name, getlink=True)
    if link is None:
        raise ValueError(f"{where}: has no {noun} {shown}")
    if isinstance(link, h5py.ExternalLink):
        raise ValueError(f"{where}: {shown} links to another file; refused")
    node = parent[name]
    if not isinstance(node, kind):
        raise ValueError(f"{where}: {shown} is not a {noun}")
    return node


def text(value):
    """An HDF5 attribute as str (h5py gives bytes or str)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
