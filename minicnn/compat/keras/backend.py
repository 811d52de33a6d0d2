"""keras.backend: the settings Keras 3 keeps there. minicnn computes with NumPy on the
CPU, in float32, on images (batch, height, width, channels): those are its answers."""
from minicnn.compat.missing import missing_names

_settings = {"epsilon": 1e-7}


def backend():
    """The library computing the numbers: NumPy (Keras answers "tensorflow", "jax", ...)."""
    return "numpy"


def epsilon():
    """The small number added to denominators (1e-7, Keras's default; set_epsilon changes it)."""
    return _settings["epsilon"]


def set_epsilon(value):
    _settings["epsilon"] = float(value)


def floatx():
    return "float32"


def set_floatx(value):
    if value != "float32":
        raise ValueError(f"keras.backend.set_floatx({value!r}): minicnn computes in float32 "
                         f"(a model of float64 layers: build it with dtype float64, as "
                         f"minicnn.gradcheck does)")


def image_data_format():
    """"channels_last": images are (batch, height, width, channels) in minicnn."""
    return "channels_last"


def set_image_data_format(data_format):
    if data_format != "channels_last":
        raise ValueError(f"keras.backend.set_image_data_format({data_format!r}): minicnn's "
                         f"images are channels_last, (batch, height, width, channels)")


def clear_session(free_memory=True):
    """Keras resets its global state (layer-name counters, graphs); minicnn keeps none,
    so nothing changes (models already made stay as they are, as in Keras)."""


__all__ = ["backend", "epsilon", "set_epsilon", "floatx", "set_floatx", "image_data_format",
           "set_image_data_format", "clear_session"]
HINTS = {}
__getattr__ = missing_names("keras.backend", HINTS, __all__)
