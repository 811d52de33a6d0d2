"""minicnn in one file (minicnn/tiny.py) computes what the framework computes."""
import ast
import os

import numpy as np
import pytest

import minicnn
from minicnn import tiny
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D

SAMPLE = os.path.join(os.path.dirname(tiny.__file__), "samples", "covid-xray", "train")


def framework_xray_model(learning_rate, momentum):
    model = minicnn.Sequential([
        Conv2D(5, 5, strides=3, activation="relu"), MaxPool2D(2), Dropout(0.1, seed=11),
        Conv2D(3, 3, activation="relu"), MaxPool2D(2), Dropout(0.2, seed=12),
        Flatten(), Dense(3, activation="softmax")])
    model.build((256, 256, 1), np.float64)
    model.compile(minicnn.optimizers.SGD(learning_rate, momentum=momentum),
                  "sparse_categorical_crossentropy", metrics=[])
    return model


def tiny_copy_of(model, learning_rate, momentum):
    """tiny's X-ray model holding the framework model's weights and Dropout seeds."""
    copy = tiny.xray_model(3, seed=0, learning_rate=learning_rate)
    copy.optimizer.momentum = momentum
    copy.layers[3].rng, copy.layers[7].rng = np.random.default_rng(11), np.random.default_rng(12)
    for ours, theirs in [(copy.layers[0], model.layers[0]), (copy.layers[4], model.layers[3]),
                         (copy.layers[9], model.layers[7])]:
        for key in ours.params:
            ours.params[key] = theirs.params[key].copy()
    return copy


@pytest.mark.parametrize("ops_name", ["numpy", "numba"])
def test_tiny_trains_exactly_as_the_framework(ops_name):
    """Same weights, same batches, same Dropout masks: after three steps of SGD with
    momentum, the same losses and the same weights (float64, rounding aside)."""
    images, labels, _ = tiny.load_folder(SAMPLE)
    minicnn.set_seed(3)
    model = framework_xray_model(0.01, 0.9)
    small = tiny_copy_of(model, 0.01, 0.9)
    order = np.random.default_rng(0).permutation(len(images))
    try:
        minicnn.set_ops(ops_name)
        for step in range(3):
            batch = order[step * 16:(step + 1) * 16]
            x, y = images[batch].astype(np.float64), labels[batch]
            # the step fit takes (with the fast ops: two halves of the batch)
            ours = model.train_on_batch(x, y)
            assert small.train_step(x, y) == pytest.approx(ours, rel=1e-9)
    finally:
        minicnn.set_ops("numba")
    for ours, theirs in [(small.layers[0], model.layers[0]), (small.layers[4], model.layers[3]),
                         (small.layers[9], model.layers[7])]:
        for key in ours.params:
            np.testing.assert_allclose(ours.params[key], theirs.params[key], rtol=1e-8, atol=1e-11)


def test_tiny_is_one_readable_file_of_numpy():
    path = tiny.__file__
    with open(path) as file:
        source = file.read()
    assert len(source.splitlines()) <= 250
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source))
                if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in (node.names if isinstance(node, ast.Import) else [node])
                if getattr(alias, "name", None)} | {
        node.module.split(".")[0] for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)}
    assert imported <= {"os", "numpy", "PIL"}, imported  # no minicnn, no numba
