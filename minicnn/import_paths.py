"""Import paths that are not folders of this package: the module names of Keras,
TensorFlow and scikit-learn (a lesson's imports, rewritten, reach minicnn by them)
and minicnn's own paths from before its core and surroundings were laid out.

    from minicnn.keras.layers import Conv2D      # lives in minicnn/compat/keras/layers.py
    from minicnn.metrics import classification_report    # minicnn/compat/sklearn/metrics
    import minicnn as tf; tf.data.AUTOTUNE        # minicnn/compat/tensorflow/data.py

Each name below is the module at its right; ``import`` finds it there, on first
use (importing minicnn loads none of them).
"""
import importlib
import importlib.abc
import importlib.util
import sys

PATHS = {
    # the names other libraries give these modules (tensorflow, keras, sklearn -> minicnn)
    "minicnn.keras": "minicnn.compat.keras",
    "minicnn.nn": "minicnn.compat.tensorflow.nn",
    "minicnn.random": "minicnn.compat.tensorflow.random",
    "minicnn.data": "minicnn.compat.tensorflow.data",
    "minicnn.image": "minicnn.compat.tensorflow.image",
    "minicnn.math": "minicnn.compat.tensorflow.math",
    "minicnn.metrics": "minicnn.compat.sklearn.metrics",
    "minicnn.model_selection": "minicnn.compat.sklearn.model_selection",
    "minicnn.utils": "minicnn.compat.sklearn.utils",
    "minicnn.datasets": "minicnn.compat.keras.datasets",
    # minicnn's own paths before round 4
    "minicnn.callbacks": "minicnn.training.callbacks",
    "minicnn.projects": "minicnn.apps.projects",
    "minicnn.explain": "minicnn.apps.explain",
    "minicnn.plots": "minicnn.apps.plots",
    "minicnn.export": "minicnn.apps.export",
    "minicnn.exercises": "minicnn.apps.exercises",
    "minicnn.shortcuts": "minicnn.apps.shortcut_learning",
    "minicnn.cli": "minicnn.apps.cli",
}


def resolve(fullname):
    """The module path where ``fullname`` lives (its longest listed prefix replaced)."""
    head = fullname
    while head:
        if head in PATHS:
            return PATHS[head] + fullname[len(head):]
        head = head.rpartition(".")[0]
    return None


class _SameModule(importlib.abc.Loader):
    """Loads a listed name as the module it names: one module object under two names."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.own_spec = module.__spec__
        return module

    def exec_module(self, module):
        # the target module ran when it was imported; import gave it this name's
        # spec on the way, and it keeps its own
        module.__spec__ = self.own_spec


class ImportPaths(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        where = resolve(fullname) if fullname.startswith("minicnn.") else None
        if where is None or importlib.util.find_spec(where) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _SameModule(where))


def install():
    if not any(isinstance(finder, ImportPaths) for finder in sys.meta_path):
        sys.meta_path.insert(0, ImportPaths())
