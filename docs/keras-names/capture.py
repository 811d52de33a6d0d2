"""Capture the public names of Keras and TensorFlow that a student meets in image
classification, once, into names.json beside this file.

Run it with a real Keras and TensorFlow (a scratch environment; minicnn never imports
them):

    python docs/keras-names/capture.py            # writes docs/keras-names/names.json

What is captured, for every group below: each public name (no leading underscore),
its kind, and for callables its signature string as `inspect.signature` prints it.

* modules (`keras.layers`, `tf.math`, ...): kind is "class", "function", "module" or
  "attribute" (constants such as `tf.float32`, `tf.newaxis`);
* `keras.Model`: the members of a compiled `keras.Sequential` instance, and
  `keras.layers.Layer`: the members of a built `Dense`; kind is "method", "property"
  or "attribute", and `on_class` says whether `keras.Model` / `keras.layers.Layer`
  itself defines it (the issue's counts, 84 and 45, are the class-level ones);
* `tf.data.Dataset`: the class's public methods and properties;
* the objects a custom training loop touches, as instances: an `Adam` optimizer after
  one `apply_gradients` (`keras.optimizers.Optimizer`), a `SparseCategoricalAccuracy`
  (`keras.metrics.Metric`), a `keras.callbacks.Callback`, a `tf.Variable`, an eager
  `tf.Tensor` (what `model(x)` returns; with its Python operators and NumPy protocol
  methods as kind "operator"), and an `ImageDataGenerator`
  (`tf.keras.preprocessing.image.ImageDataGenerator`: `flow`, `flow_from_dataframe`, ...).

A name bound to the same object as another name of its group whose `__name__` it is
gets `alias_of` (`MaxPool2D` -> `MaxPooling2D`), so that a coverage table can count
an implementation once.
"""
import datetime
import inspect
import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402  (after the log level)
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

KERAS_MODULES = [
    "keras", "keras.layers", "keras.callbacks", "keras.optimizers",
    "keras.optimizers.schedules", "keras.metrics", "keras.losses", "keras.utils", "keras.ops",
    "keras.preprocessing.image", "keras.backend", "keras.activations", "keras.initializers",
    "keras.regularizers", "keras.constraints", "keras.models", "keras.datasets",
]
# tf.keras.preprocessing.image still has ImageDataGenerator (keras.preprocessing.image
# in Keras 3 does not), and the tf.keras-style tutorials import it from there.
TF_MODULES = [
    "tf", "tf.math", "tf.image", "tf.nn", "tf.random", "tf.linalg",
    "tf.keras.preprocessing.image",
]


def resolve(dotted):
    """The object at a dotted path starting at `keras` or `tf`."""
    head, *rest = dotted.split(".")
    obj = {"keras": keras, "tf": tf}[head]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def signature(obj):
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return None


def module_kind(obj):
    if inspect.ismodule(obj) or type(obj).__name__ in ("KerasLazyLoader", "LazyLoader"):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "attribute"


def public(names):
    return sorted(name for name in names if not name.startswith("_"))


def with_aliases(entries, objects):
    """Mark `alias_of` where two names of a group are one object and the other
    name is the object's own `__name__`."""
    by_id = {}
    for name, obj in objects.items():
        by_id.setdefault(id(obj), []).append(name)
    for names in by_id.values():
        if len(names) < 2:
            continue
        own = getattr(objects[names[0]], "__name__", None)
        canonical = own if own in names else None
        for name in names:
            if canonical and name != canonical:
                entries[name]["alias_of"] = canonical
    return entries


def capture_module(dotted):
    module = resolve(dotted)
    entries, objects = {}, {}
    for name in public(dir(module)):
        if dotted == "keras" and name == "src":
            continue  # Keras's private implementation package
        try:
            obj = getattr(module, name)
        except Exception:  # a lazy attribute that fails to load is still a public name
            entries[name] = {"kind": "attribute"}
            continue
        kind = module_kind(obj)
        entry = {"kind": kind}
        if kind in ("class", "function"):
            entry["signature"] = signature(obj)
        entries[name] = entry
        if kind in ("class", "function"):
            objects[name] = obj
    return with_aliases(entries, objects)


def member_kind(owner_type, name):
    for klass in owner_type.__mro__:
        if name in vars(klass):
            static = vars(klass)[name]
            if isinstance(static, property):
                return "property", None
            if isinstance(static, (staticmethod, classmethod)) or inspect.isfunction(static):
                return "method", static
            return "attribute", None
    return "attribute", None  # set on the instance in __init__


def capture_instance(instance, defining_class):
    entries = {}
    for name in public(dir(instance)):
        kind, function = member_kind(type(instance), name)
        entry = {"kind": kind, "on_class": hasattr(defining_class, name)}
        if kind == "method":
            entry["signature"] = signature(getattr(instance, name))
        entries[name] = entry
    return entries


# An eager tensor is used through Python's operators and NumPy's protocol more than
# through named methods; these are the ones it defines (TensorFlow lists the first set).
TENSOR_PROTOCOL = ["__array__", "__bool__", "__float__", "__index__", "__int__", "__iter__",
                   "__len__"]


def tensor_operators(tensor):
    names = sorted(set(tf.Tensor.OVERLOADABLE_OPERATORS) | set(TENSOR_PROTOCOL))
    return {name: {"kind": "operator", "on_class": True} for name in names
            if hasattr(tensor, name)}


def capture_class(klass):
    entries = {}
    for name in public(dir(klass)):
        kind, function = member_kind(klass, name)
        entry = {"kind": kind}
        if kind == "method":
            entry["signature"] = signature(getattr(klass, name))
        entries[name] = entry
    return entries


def a_compiled_sequential():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def a_built_dense():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    return layer


def an_adam_after_one_step():
    variable = tf.Variable([1.0, 2.0])
    optimizer = keras.optimizers.Adam()
    optimizer.apply_gradients([(tf.constant([0.1, 0.1]), variable)])
    return optimizer


def instances():
    """(group, instance, the class whose own members `on_class` refers to)."""
    tensor = tf.constant([[1.0, 2.0]])
    generator = tf.keras.preprocessing.image  # Keras 3's own module has no generator
    return [
        ("keras.Model", a_compiled_sequential(), keras.Model),
        ("keras.layers.Layer", a_built_dense(), keras.layers.Layer),
        ("keras.optimizers.Optimizer", an_adam_after_one_step(), keras.optimizers.Optimizer),
        ("keras.metrics.Metric", keras.metrics.SparseCategoricalAccuracy(), keras.metrics.Metric),
        ("keras.callbacks.Callback", keras.callbacks.Callback(), keras.callbacks.Callback),
        ("tf.Variable", tf.Variable([1.0, 2.0]), tf.Variable),
        ("tf.Tensor", tensor, tf.Tensor),
        ("tf.keras.preprocessing.image.ImageDataGenerator", generator.ImageDataGenerator(),
         generator.ImageDataGenerator),
    ]


def capture():
    groups = {}
    for dotted in KERAS_MODULES + TF_MODULES:
        groups[dotted] = capture_module(dotted)
    for group, instance, defining_class in instances():
        groups[group] = capture_instance(instance, defining_class)
        if group == "tf.Tensor":
            groups[group].update(tensor_operators(instance))
    groups["tf.data.Dataset"] = capture_class(tf.data.Dataset)
    return {
        "captured": {
            "date": datetime.date.today().isoformat(),
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "python": platform.python_version(),
            "keras_backend": keras.backend.backend(),
            "script": "docs/keras-names/capture.py",
        },
        "groups": groups,
    }


def main(path=os.path.join(HERE, "names.json")):
    names = capture()
    with open(path, "w") as file:
        json.dump(names, file, indent=1, sort_keys=True)
        file.write("\n")
    for group, entries in names["groups"].items():
        print(f"{group:32s} {len(entries):4d}")
    print("written:", path)


if __name__ == "__main__":
    main(*sys.argv[1:])
