"""exercises.use: the student's functions in minicnn's place, and minicnn's back after.
Trained with the solutions plugged in, the X-ray model ends with the weights it ends
with on minicnn's NumPy ops."""
import numpy as np
import pytest

import minicnn
from minicnn import exercises, ops
from minicnn.apps.exercises import ExerciseFailed, PLUGS, use
from minicnn.apps.exercises.release import sources
from minicnn.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from minicnn.losses import SoftmaxCrossEntropy
from minicnn.training.trainer import Sequential
from minicnn.optimizers import SGD, Adam
from minicnn.apps.projects import xray

SOLUTION = exercises.answers(*sources())
EVERYTHING = {name: SOLUTION[name] for name in PLUGS}
CLASSES = (Dense, Activation, Dropout, SoftmaxCrossEntropy, SGD, Adam, Sequential)


def methods():
    return {(cls, name): value for cls in CLASSES for name, value in vars(cls).items()}


def active_ops():
    """The ops' name and where each op's function comes from (set_ops rebinds the
    numba rung's load-on-first-call functions anew, equal but not the same objects)."""
    return ops.get_ops(), [(f.__module__, f.__qualname__) for f in map(vars(ops).get, ops.OPS)]


def xray_run(steps, plugged=None, image_size=(64, 64)):
    """``steps`` training steps of the X-ray recipe (a small image size: the lesson's
    --image-size) in float64, with the solutions plugged in or on minicnn's NumPy ops."""
    minicnn.set_seed(0)
    train, _, _ = xray.load_data(batch_size=16, seed=0, validation_split=0, image_size=image_size,
                                 verbose=0)
    model = xray.build_model(3, input_shape=image_size + (1,))
    model.build(image_size + (1,), np.float64)
    model.compile(Adam(1e-2), "categorical_crossentropy", ["accuracy"])
    if plugged:
        with use(**plugged):
            model.fit(train, epochs=1, steps_per_epoch=steps, verbose=0, seed=0)
    else:
        minicnn.set_ops("numpy")
        try:
            model.fit(train, epochs=1, steps_per_epoch=steps, verbose=0, seed=0)
        finally:
            minicnn.set_ops("numba")
    return model


def test_training_with_the_solutions_plugged_in_gives_minicnns_weights():
    ours, theirs = xray_run(3, EVERYTHING), xray_run(3)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert not np.allclose(ours.get_weights()[0], xray.build_model(3, (64, 64, 1)).get_weights()[0])


def test_use_puts_everything_back_when_done():
    before, ops_before = methods(), active_ops()
    with use(**EVERYTHING) as plugged:
        assert ops.get_ops() == "exercises" and methods() != before
        assert "in use" in repr(plugged)
    assert methods() == before and active_ops() == ops_before
    plugged = use(adam=SOLUTION["adam"])
    plugged.undo()
    assert methods() == before and ops.get_ops() == "numba"


def test_a_function_that_fails_its_check_is_refused_and_nothing_is_plugged_in():
    before = methods()

    def flipped(x, w, b, stride=1, pad=0):
        return SOLUTION["conv_forward"](x, w[::-1, ::-1], b, stride, pad)
    refused = r"(?s)your conv_forward does not pass its check yet.*Hint \(kernel flipped\)"
    with pytest.raises(ExerciseFailed, match=refused):
        use(conv_forward=flipped)
    assert methods() == before and ops.get_ops() == "numba"


def test_checks_and_another_use_refuse_to_run_while_functions_are_plugged_in():
    with use(adam=SOLUTION["adam"]):
        with pytest.raises(RuntimeError, match="check outside the `with exercises.use"):
            exercises.check("adam", SOLUTION["adam"])
        with pytest.raises(RuntimeError, match="plugged in already; undo that use first"):
            use(sgd_momentum=SOLUTION["sgd_momentum"])


def test_use_says_what_it_cannot_do():
    with pytest.raises(ValueError, match="conv_backward needs conv_forward too"):
        use(conv_backward=SOLUTION["conv_backward"])
    with pytest.raises(ValueError, match="im2col cannot be plugged in"):
        use(im2col=SOLUTION["im2col"])


def test_a_forward_alone_predicts_and_says_why_it_cannot_train():
    model = Sequential([Conv2D(2, 3, activation="relu"), Flatten(), Dense(2, activation="softmax")],
                       input_shape=(6, 6, 1))
    model.compile("adam", "sparse_categorical_crossentropy", [])
    x = np.random.default_rng(0).standard_normal((3, 6, 6, 1)).astype(np.float32)
    minicnn.set_ops("numpy")
    try:
        expected = model.predict(x)
    finally:
        minicnn.set_ops("numba")
    with use(conv_forward=SOLUTION["conv_forward_loops"]):
        np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
        with pytest.raises(RuntimeError, match="plug in conv_backward too to train"):
            model.train_on_batch(x, np.array([0, 1, 0]))


def test_same_padding_strides_relu_layers_and_sgd_go_through_the_students_functions():
    """TensorFlow's uneven 'same' padding is applied around the student's function,
    which sees pad=0; a ReLU layer runs the student's relu; SGD their momentum."""
    def model():
        minicnn.set_seed(1)
        built = Sequential([Conv2D(3, 3, strides=2, padding="same"), ReLU(),
                            MaxPool2D(2, padding="same"), Dropout(0.2), Flatten(),
                            Dense(2, activation="softmax")])
        built.build((9, 8, 2), np.float64)
        built.compile(SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy", [])
        return built
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 9, 8, 2)), np.array([0, 1, 1, 0])
    ours, theirs = model(), model()
    with use(**{k: v for k, v in EVERYTHING.items() if k != "adam"}):
        for _ in range(2):
            ours.train_on_batch(x, y)
    minicnn.set_ops("numpy")
    try:
        for _ in range(2):
            theirs.train_on_batch(x, y)
    finally:
        minicnn.set_ops("numba")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_the_students_functions_really_run():
    calls = []

    def counted(x, w, b, stride=1, pad=0):
        calls.append(x.shape)
        return SOLUTION["conv_forward"](x, w, b, stride, pad)
    model = Sequential([Conv2D(2, 3), Flatten(), Dense(2)], input_shape=(5, 5, 1))
    with use(conv_forward=counted, conv_backward=SOLUTION["conv_backward"]):
        calls.clear()  # the check called it too
        model.predict(np.zeros((2, 5, 5, 1)))
    minicnn.set_ops("numpy")  # after undo: minicnn's own again
    try:
        model.predict(np.zeros((2, 5, 5, 1)))
    finally:
        minicnn.set_ops("numba")
    assert calls == [(2, 5, 5, 1)]
