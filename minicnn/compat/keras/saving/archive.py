"""The .keras file: a zip of metadata.json, config.json and model.weights.h5 (Keras 3):
writing one, and reading its members (reading.py builds the model from them)."""
import datetime
import io
import json
import os
import zipfile
import zlib

from minicnn.training.saving import writing
from minicnn.training.saving.reading import INFLATION, INFLATION_FLOOR  # a member's zip bomb rule
from minicnn.compat.keras.saving import compile_config, config_json, h5, model_config, weights

# The Keras release whose layout minicnn writes (metadata.json's keras_version).
KERAS_VERSION = "3.15.1"
MEMBERS = ("metadata.json", "config.json", "model.weights.h5")


def save(model, path, include_optimizer=True):
    """Write ``model`` as a .keras archive at ``path``, atomically."""
    h5py = h5.require_h5py(os.fspath(path), "writing")
    config = model_config.model_to_config(model)
    config["compile_config"] = compile_config.compile_config(model) if include_optimizer else {}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        weights.write_weights(h5py, file, model, include_optimizer)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}

    def write(file):
        with zipfile.ZipFile(file, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(config))
            archive.writestr("model.weights.h5", buffer.getvalue())

    writing.atomic_write(path, write)


def open_archive(path):
    """The .keras file's zip archive; a ValueError naming the file when it is not one."""
    h5.regular_file(path, "model file")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ValueError(f"{path}: not a .keras file (a .keras file is a zip archive; this "
                         f"one is not: {error})") from None


def read_member(archive, name, path):
    """A member's bytes; its size checked against the archive's (no zip bomb) before
    it is inflated, and any error of the zip or its compression named."""
    if name not in archive.namelist():
        raise ValueError(f"{path}: has no {name}; a .keras file holds {', '.join(MEMBERS)}")
    info = archive.getinfo(name)
    if info.file_size > INFLATION * os.path.getsize(path) + INFLATION_FLOOR:
        raise ValueError(f"{path}: {name} would inflate to {info.file_size:,} bytes; refused")
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as error:
        raise ValueError(f"{path}: {name} cannot be read from the zip ({error}); the file is "
                         f"damaged") from None


def read_json(archive, name, path):
    return config_json.parse_json(read_member(archive, name, path), path, name)
