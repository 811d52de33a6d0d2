"""Keras and TensorFlow names minicnn does not have: one message each, naming the
feature, saying that minicnn does not have it, and pointing to the nearest minicnn way.

Each keras module (and minicnn itself, for ``tf.``) ends with
``__getattr__ = missing_names("keras.layers", HINTS, __all__)``, so
``keras.layers.LSTM`` (or ``from keras.layers import LSTM``) explains itself
instead of a bare AttributeError.
"""
import dis
import importlib
import sys

CHAINS = ("minicnn's Functional API builds chains of layers (each layer feeding the next): "
          "no branches that merge")


class MissingKerasFeature(AttributeError):
    """A Keras name minicnn lacks, read as an attribute (an AttributeError, so
    hasattr() and getattr() with a default behave as usual)."""


class MissingKerasImport(ImportError):
    """The same, met in ``from keras.layers import LSTM``: Python turns an
    AttributeError there into a bare "cannot import name", losing the message."""


def missing_names(module, hints, available, submodules=None, kind="Keras"):
    """The module-level __getattr__ of a keras alias module ``module`` (as the
    lesson spells it); ``submodules`` ({name: module path, or "module path:name" for a
    name defined in that module}) are imported on first use instead."""
    def __getattr__(name):
        if submodules and name in submodules:
            where, _, attribute = submodules[name].partition(":")
            found = importlib.import_module(where)
            return getattr(found, attribute) if attribute else found
        if name.startswith("_"):  # Python's and IPython's own probes: the plain error
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        if name in hints:
            message = f"{module}.{name}: minicnn does not have this {kind} feature. {hints[name]}"
        else:
            message = (f"{module}.{name}: minicnn has no such name (if it is {kind}'s, minicnn "
                       f"has only a part of {kind}). {module} in minicnn has: "
                       f"{', '.join(sorted(available))}")
        raise (MissingKerasImport if _in_from_import() else MissingKerasFeature)(message)
    return __getattr__


def _in_from_import():
    """Whether the code asking for the name runs ``from module import name``."""
    try:
        frame = sys._getframe(2)
        return dis.opname[frame.f_code.co_code[frame.f_lasti]] == "IMPORT_FROM"
    except (AttributeError, IndexError, ValueError):
        return False


def hint_each(names, hint):
    return {name: hint for name in names}
