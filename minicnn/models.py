"""Models from files and copies of models: load_model and clone_model, as keras.models names them.

saving.py reads and checks the file; this module builds the model from it
(so that model.py, which writes files through saving.py, and saving.py never
import each other).
"""
import copy

from minicnn import optimizers, saving
from minicnn.model import Sequential


def model_from_architecture(arch, dtype=None, weights=None, source="architecture"):
    """A new, built Sequential from ``saving.architecture(model)``. With ``weights``
    ({"layer.key": array}), their names and shapes are checked against the
    architecture before any layer is built, so a file claiming a 60000x60000
    input allocates nothing; the model then holds those weights."""
    layers, input_shape, dtype = saving.checked_layers(arch, dtype)
    if weights is not None:
        saving.check_weights(weights, saving.expected_weights(layers, input_shape), source)
    model = Sequential(layers, name=str(arch.get("name", "sequential")))
    model.build(input_shape, dtype)
    model.metadata = arch.get("metadata", {})
    if weights is not None:
        saving.set_weight_arrays(model, weights, source)
    return model


def load_model(path):
    """A Sequential model from a file written by ``model.save``: compiled, with its
    optimizer's state, when the file holds them."""
    arch, weights, optimizer_state = saving.read_model_file(path)
    try:
        model = model_from_architecture(arch, weights=weights, source=path)
        if isinstance(arch.get("compile"), dict):
            settings = arch["compile"]
            model.compile(optimizers.from_config(settings.get("optimizer")), settings.get("loss"),
                          [saving.METRIC_CLASSES[name]() for name in settings.get("metrics", [])
                           if name in saving.METRIC_CLASSES])
            if optimizer_state:
                model.optimizer.set_state(optimizer_state)
        return model
    except ValueError as error:
        message = str(error)
        raise ValueError(message if message.startswith(str(path)) else
                         f"{path}: not a valid minicnn model architecture ({message})") from None


def clone_model(model, dtype=None):
    """An independent copy of a built model (same architecture and weights),
    optionally in another dtype; compiled with the same loss if the model is
    (gradcheck checks a float32 model through its float64 clone)."""
    clone = model_from_architecture(saving.architecture(model), dtype,
                                    saving.weight_arrays(model), model.name)
    if model.loss is not None:
        clone.compile("sgd", copy.copy(model.loss), [])
    return clone
