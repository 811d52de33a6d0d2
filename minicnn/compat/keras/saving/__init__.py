"""Model files Keras reads and writes: the .keras archive (Keras 3) and the legacy .h5.

    model.save("model.keras")                  # Keras 3 file: keras.models.load_model reads it
    model = minicnn.load_model("model.keras")  # also files Keras wrote

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
from minicnn.compat.keras.saving.weights_only import load_weights, save_weights
from minicnn.compat.keras.saving.writing import is_keras_path, is_keras_weights_path, save_model


def __getattr__(name):
    # reading.py builds models, so it imports the model classes; the trainer writes
    # Keras files through writing.py. Loading reading.py on first use keeps the
    # two from importing each other.
    if name == "load_model":
        from minicnn.compat.keras.saving.reading import load_model
        return load_model
    raise AttributeError(f"module 'minicnn.compat.keras.saving' has no attribute {name!r}")

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "is_keras_path",
           "is_keras_weights_path"]
