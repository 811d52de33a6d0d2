"""keras.saving, and the model files Keras reads and writes: the .keras archive (Keras 3)
and the legacy .h5.

    model.save("model.keras")                  # Keras 3 file: keras.models.load_model reads it
    model = minicnn.load_model("model.keras")  # also files Keras wrote
    from minicnn.keras import saving           # Keras's names: saving.load_model, save_model,
                                               # save_weights, load_weights, the registry

For the layers both have (layer_table.py), in Sequential and functional models (any graph
of layer calls: merges, several inputs and outputs, shared layers, models inside).
A .keras file is a zip of metadata.json, config.json (the architecture and how the model was compiled)
and model.weights.h5 (the weights and the optimizer's state, in HDF5 groups
named as Keras names them: weights.py). The legacy .h5 is one HDF5 file
(legacy_h5.py). Both need h5py (the "keras" extra); without it, an ImportError
says how to install it, and nothing is written.

    writing.py / reading.py   the entries: save_model, save_weights / load_model
    layer_table.py     the layers both have: their Keras configs and back
    model_config.py    a model's architecture as Keras's config; model_from_config.py back
                       (checked and planned first, built last; plan.py: the Plan and the checks)
    graph_config.py    a functional model that is a graph as Keras's config; graph_plan.py back
    graph_order.py     the order Keras gives a graph's layers (it names their weights)
    compile_config.py  optimizer, loss and metrics; the optimizer's variables
    weights.py         model.weights.h5;  archive.py  the .keras zip;  legacy_h5.py  the .h5 file
    weights_only.py    save_weights / load_weights with Keras's .weights.h5 files
    config_json.py     the JSON texts, parsed with their depth bounded
    h5.py              h5py, and reading HDF5 safely: hard links only, datasets checked unread

Reading checks the whole file before any model is built or array read (docs/guarantees.md);
every weight then goes through the import rule all formats share
(minicnn/training/saving/importing.py).
"""
import os

from minicnn.compat.keras.saving.weights_only import load_weights, save_weights
from minicnn.compat.keras.saving.writing import is_keras_path
from minicnn.compat.missing import missing_names

# Keras's names that live elsewhere, loaded on first use: load_model builds models, so it
# imports the model classes, while the trainer writes Keras files through writing.py (and
# model.save need not load keras.utils, which holds the registry of custom objects).
ELSEWHERE = {"load_model": "minicnn.training.models:load_model",
             **{name: f"minicnn.compat.keras.utils:{name}" for name in (
                 "register_keras_serializable", "get_custom_objects", "custom_object_scope",
                 "CustomObjectScope")}}

HINTS = {
    "serialize_keras_object": "minicnn writes whole models (model.save, model.to_json, "
                              "model.get_config), not single objects.",
    "deserialize_keras_object": "minicnn reads whole models (keras.models.load_model, "
                                "model_from_json), not single objects.",
    "KerasFileEditor": "minicnn does not edit model files: load the model, change it and "
                       "save it again.",
}


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Keras's save_model (keras.models.save_model is this function): model.save(filepath),
    so .keras and .h5 give Keras's files and any other name minicnn's .npz. Keras's
    include_optimizer is passed on; save_format only where the suffix already chooses the
    format (Keras 3 refuses it otherwise); any other keyword is refused by name.
    overwrite=False and the file there: refused (Keras asks at the terminal)."""
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    where = f"save_model({os.fspath(filepath)!r})"
    if save_format and not is_keras_path(filepath):
        raise ValueError(f"{where}: save_format={save_format!r} is gone in Keras 3; the "
                         f"file's suffix chooses the format (.keras, .h5; any other name: "
                         f"minicnn's .npz)")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{where}: the file exists, and overwrite=False")
    if zipped is False:
        raise ValueError(f"{where}: zipped=False: minicnn writes .keras files zipped only")
    if kwargs:
        raise ValueError(f"{where}: argument(s) not supported: {sorted(kwargs)}")
    return model.save(filepath, include_optimizer=include_optimizer)


__all__ = ["load_model", "save_model", "load_weights", "save_weights",
           "register_keras_serializable", "get_custom_objects", "custom_object_scope",
           "CustomObjectScope"]
__getattr__ = missing_names("keras.saving", HINTS, __all__, ELSEWHERE)
