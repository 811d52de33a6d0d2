"""Models from files and copies of models: load_model and clone_model, as keras.models names them.

saving.py reads and checks the file; this module builds the model from it
(so that the writer, trainer.py, and the reader never import each other).
"""
from minicnn import optimizers, sequential
from minicnn.training.saving import checking, reading, writing
from minicnn.training.trainer import Sequential


def model_from_architecture(arch, dtype=None, weights=None, source="architecture"):
    """A new, built Sequential from ``writing.architecture(model)``. With ``weights``
    ({"layer.key": array}), their names and shapes are checked against the
    architecture before any layer is built, so a file claiming a 60000x60000
    input allocates nothing; the model then holds those weights."""
    try:
        layers, input_shape, dtype = checking.checked_layers(arch, dtype)
        expected = checking.expected_weights(layers, input_shape)
    except ValueError as error:
        raise ValueError(f"{source}: not a valid minicnn model architecture ({error})") from None
    if weights is not None:
        checking.check_weights(weights, expected, source)
    model = Sequential(layers, name=str(arch.get("name", "sequential")))
    model.build(input_shape, dtype)
    model.metadata = arch.get("metadata", {})
    if weights is not None:
        reading.set_weight_arrays(model, weights, source)
    return model


def load_model(path, compile=True, input_shape=None, custom_objects=None, safe_mode=True):
    """A Sequential model from a file written by ``model.save``: compiled, with its
    optimizer's state, when the file holds them (compile=False: not). Everything in
    the file is checked first (reading.read_model_file); a ValueError names the file
    and what is wrong. A .keras or .h5 file is read as Keras's (compat/keras/saving:
    files Keras wrote too); input_shape gives a fully-convolutional one its size.
    custom_objects and safe_mode are Keras's; minicnn's files hold no code."""
    from minicnn.compat.keras.saving import reading as keras_reading  # h5py only if asked
    from minicnn.compat.keras.saving import writing as keras_writing
    if keras_writing.is_keras_path(path):
        return keras_reading.load_model(path, compile=compile, input_shape=input_shape)
    if input_shape is not None:
        raise ValueError(f"{path}: input_shape is for Keras files with free dimensions; a "
                         f"minicnn .npz file holds its model's input shape")
    arch, weights, optimizer_state = reading.read_model_file(path)
    model = model_from_architecture(arch, weights=weights, source=path)
    settings = checking.compile_settings(arch, path) if compile else None
    if settings is not None:
        optimizer, loss, metric_names = settings
        model.compile(optimizer, loss, [checking.METRIC_CLASSES[name]() for name in metric_names])
        if optimizer_state:
            model.optimizer.set_state(optimizer_state)
    return model


def clone_model(model, dtype=None):
    """An independent copy of a built model: the same layers, weights and state
    (nested models and functional chains too), optionally in another dtype;
    compiled with the same loss if the model is (gradcheck checks a float32
    model through its float64 clone). Keras's clone_model draws new weights;
    this one copies them."""
    clone = sequential.copy_model(model, dtype)
    if model.loss is not None:
        clone.compile(optimizers.get("sgd"), model.loss)
    return clone
