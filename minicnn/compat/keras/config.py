"""keras.config: Keras 3's global settings (as keras.backend's: minicnn computes in
float32 with NumPy on channels-last images)."""
from minicnn.compat.keras.backend import (backend, epsilon, floatx, image_data_format,
                                          set_epsilon, set_floatx, set_image_data_format)
from minicnn.compat.missing import missing_names

_logging = {"interactive": True}


def enable_unsafe_deserialization():
    """Keras allows lambdas in model files then; minicnn's files hold no code: nothing to allow."""


def enable_interactive_logging():
    _logging["interactive"] = True


def disable_interactive_logging():
    _logging["interactive"] = False


def is_interactive_logging_enabled():
    return _logging["interactive"]


__all__ = ["backend", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
           "set_image_data_format", "enable_unsafe_deserialization", "enable_interactive_logging",
           "disable_interactive_logging", "is_interactive_logging_enabled"]
__getattr__ = missing_names("keras.config", {}, __all__)
