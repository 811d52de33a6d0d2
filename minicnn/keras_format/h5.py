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
        if not part:
            continue
        link = node.get(part, getlink=True)
        if link is None:
            raise ValueError(f"{where}: has no group {path!r}")
        if isinstance(link, h5py.ExternalLink):
            raise ValueError(f"{where}: {path!r} links to another file; refused")
        node = node[part]
        if not isinstance(node, h5py.Group):
            raise ValueError(f"{where}: {path!r} is not a group")
    return node


def dataset(h5py, parent, name, where):
    """A dataset's array (read whole), following only links inside the file."""
    link = parent.get(name, getlink=True)
    if link is None:
        raise ValueError(f"{where}: has no dataset {parent.name}/{name}")
    if isinstance(link, h5py.ExternalLink):
        raise ValueError(f"{where}: {parent.name}/{name} links to another file; refused")
    node = parent[name]
    if not isinstance(node, h5py.Dataset):
        raise ValueError(f"{where}: {parent.name}/{name} is not a dataset")
    return node[()]


def text(value):
    """An HDF5 attribute as str (h5py gives bytes or str)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
