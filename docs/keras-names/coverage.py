"""The coverage table: for every Keras and TensorFlow name in scope (names.json, scope.json),
whether minicnn implements it or refuses it clearly; written into docs/keras.md.

    python docs/keras-names/coverage.py          # rewrites the table in docs/keras.md

A name is *implemented* when minicnn's object of that name (``minicnn.keras.layers.Add``,
``tf.reduce_mean`` as ``minicnn.reduce_mean``, a member of a compiled model, ...) exists;
what it does is Keras's by the tests (tests/test_keras_*round4.py and the ones before).
It is *refused* when asking for it raises minicnn's MissingKerasFeature (or, in an import,
MissingKerasImport) with a hint naming the nearest minicnn way; the generic "minicnn has no
such name" answer is not a refusal. Anything else is *missing*: tests/test_keras_coverage.py
fails on it, but for the names PENDING lists, which await files another hand owns (the
test fails when one of those is done and still listed, so the list only shrinks).

Objects are made as capture.py made Keras's: a compiled Sequential for keras.Model, a built
Dense for keras.layers.Layer, an Adam after one step, a SparseCategoricalAccuracy, a Callback,
a Variable, an eager tensor, the Dataset class, an ImageDataGenerator.
"""
import json
import os
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(os.path.dirname(HERE), "keras.md")
START, END = "<!-- coverage table: start (docs/keras-names/coverage.py) -->", \
    "<!-- coverage table: end -->"

# In scope, not yet in minicnn, and waiting on files this work does not own: (names, what
# they need). Each is counted as not implemented.
PENDING = {
    "tf.data.Dataset": (["apply", "choose_from_datasets", "concatenate", "element_spec",
                         "enumerate", "filter", "flat_map", "from_generator", "from_tensors",
                         "get_single_element", "ignore_errors", "interleave", "list_files",
                         "range", "reduce", "sample_from_datasets", "zip"],
                        "preprocessing/dataset.py: the rest of tf.data.Dataset's methods"),
    "keras.Model": (["from_config"], "compat/functional.py: Model.from_config"),
    "keras.layers.Layer": (["from_config", "input"],
                           "layers/base.py: from_config; input (the first symbolic call's)"),
}


def instances(minicnn, keras):
    """The objects whose members groups like keras.Model name (capture.py's, in minicnn)."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    dense = keras.layers.Dense(3)
    dense.build((4,))
    variable = minicnn.Variable([1.0, 2.0])
    adam = keras.optimizers.Adam()
    adam.apply_gradients([(minicnn.constant([0.1, 0.1]), variable)])
    return {"keras.Model": model, "keras.layers.Layer": dense, "keras.optimizers.Optimizer": adam,
            "keras.metrics.Metric": keras.metrics.SparseCategoricalAccuracy(),
            "keras.callbacks.Callback": keras.callbacks.Callback(),
            "tf.Variable": minicnn.Variable([1.0, 2.0]), "tf.Tensor": minicnn.constant([[1.0, 2.0]]),
            "tf.data.Dataset": minicnn.data.Dataset,
            "tf.keras.preprocessing.image.ImageDataGenerator":
                keras.preprocessing.image.ImageDataGenerator()}


def owner(group, minicnn, keras, made):
    """minicnn's object for a group: a made instance, or the module at the group's path."""
    if group in made:
        return made[group]
    head, *rest = group.split(".")
    obj = keras if head == "keras" else minicnn
    for part in rest:
        obj = getattr(obj, part)
    return obj


def status(obj, name, missing_types):
    """("implemented" | "refused" | "missing", the refusal's hint or the error). A member
    the object's class defines is there even when reading it now raises (layer.output of
    a layer never called on a symbolic tensor, as Keras's raises too)."""
    if not isinstance(obj, type) and not hasattr(obj, "__path__") and any(
            name in vars(klass) for klass in type(obj).__mro__ if klass is not object):
        return "implemented", ""
    try:
        getattr(obj, name)
        return "implemented", ""
    except missing_types as error:
        message = str(error)
        if "minicnn has no such name" in message:
            return "missing", message
        return "refused", message.split("feature. ", 1)[-1]
    except Exception as error:  # an AttributeError of another kind: not there
        return "missing", f"{type(error).__name__}: {error}"


def compute():
    """{group: {name: (status, detail)}} for every name in scope, and the counts."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
    import minicnn
    from minicnn import keras
    from minicnn.compat.missing import MissingKerasFeature, MissingKerasImport
    with open(os.path.join(HERE, "scope.json")) as file:
        scope = json.load(file)["groups"]
    made = instances(minicnn, keras)
    table = {}
    for group, names in scope.items():
        obj = owner(group, minicnn, keras, made)
        table[group] = {name: status(obj, name, (MissingKerasFeature, MissingKerasImport))
                        for name, decision in sorted(names.items()) if decision["scope"] == "in"}
    return table


def counts(table):
    total = Counter(s for group in table.values() for s, _ in group.values())
    return total, sum(total.values())


def markdown(table):
    total, n = counts(table)
    share = 100 * total["implemented"] / n
    lines = [START, "",
             f"**{total['implemented']} of the {n} names in scope implemented ({share:.1f}%)**, "
             f"{total['refused']} refused with a hint, {total['missing']} not yet there "
             f"(waiting on files of the core; listed below). Scope and capture: "
             f"docs/keras-names/README.md. Generated by `python docs/keras-names/coverage.py`; "
             f"tests/test_keras_coverage.py fails when this table is stale.", "",
             "| group | in scope | implemented | refused | not yet |", "|---|---:|---:|---:|---:|"]
    for group, names in table.items():
        c = Counter(s for s, _ in names.values())
        lines.append(f"| `{group}` | {len(names)} | {c['implemented']} | {c['refused']} | "
                     f"{c['missing']} |")
    lines += ["", "### Refused, with the way minicnn offers instead", ""]
    for group, names in table.items():
        reasons = defaultdict(list)
        for name, (state, detail) in names.items():
            if state == "refused":
                reasons[detail].append(name)
        for reason, refused in reasons.items():
            lines.append(f"- `{group}`: {', '.join(f'`{n}`' for n in refused)}: {reason}")
    lines += ["", "### Not yet there", ""]
    for group, names in table.items():
        waiting = [name for name, (state, _) in names.items() if state == "missing"]
        if waiting:
            need = PENDING.get(group, (None, "(not listed in coverage.py's PENDING)"))[1]
            lines.append(f"- `{group}`: {', '.join(f'`{n}`' for n in waiting)}: {need}")
    lines += ["", "### Implemented, group by group", ""]
    for group, names in table.items():
        done = [name for name, (state, _) in names.items() if state == "implemented"]
        lines.append(f"- `{group}` ({len(done)}): {', '.join(done)}")
    lines += ["", END]
    return "\n".join(lines)


def write(table, path=DOCS):
    with open(path) as file:
        text = file.read()
    table_text = markdown(table)
    if START in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = before + table_text + after
    else:
        text = text.rstrip("\n") + "\n\n## Coverage of Keras's and TensorFlow's names\n\n" + \
            table_text + "\n"
    with open(path, "w") as file:
        file.write(text)


if __name__ == "__main__":
    result = compute()
    write(result)
    found, size = counts(result)
    print(f"{found['implemented']}/{size} implemented ({100 * found['implemented'] / size:.1f}%), "
          f"{found['refused']} refused, {found['missing']} missing")
