"""What fit, evaluate and predict accept, checked before any work (the attacks on odd arrays)."""
import warnings

import numpy as np
import pytest

from minicnn import Sequential
from minicnn.ops.fast import im2col, pooling
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D


def tiny(channels=3):
    model = Sequential([Conv2D(4, 3, activation="relu"), MaxPool2D(2), Flatten(),
                        Dense(2, activation="softmax")], input_shape=(8, 8, channels))
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    return model


def data(n=12, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 8, 8, channels)).astype(np.float32), rng.integers(0, 2, n)


@pytest.mark.parametrize("make", [
    lambda x: np.ascontiguousarray(x.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1),  # NCHW -> NHWC
    lambda x: np.asfortranarray(x),
    lambda x: x[:, ::-1],
    lambda x: np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)[:, ::2, ::2],
], ids=["transposed", "fortran", "reversed", "every-other"])
def test_any_array_layout_works_and_compiles_nothing_new(make, ops_mode):
    x, y = data(channels=3)  # fewer than 8 channels: the row-run im2col kernel
    odd = make(x)
    assert not odd.flags.c_contiguous
    x = np.ascontiguousarray(odd)
    model = tiny()
    expected = model.predict(x)
    np.testing.assert_array_equal(model.predict(odd), expected)
    assert model.evaluate(odd, y) == model.evaluate(x, y)
    np.testing.assert_array_equal(model.layer_output(odd, 0), model.layer_output(x, 0))
    model.trace(odd, y, print_fn=lambda s: None)
    model.train_on_batch(odd, y)
    model.fit(odd, y, epochs=1, batch_size=5, verbose=0)
    for kernel in (im2col._im2col_row_runs, im2col._col2im_row_runs,
                   pooling._maxpool_window_inner):
        for signature in kernel.signatures:
            assert all(getattr(t, "layout", "C") == "C" for t in signature), signature


@pytest.mark.parametrize("call,words", [
    (lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0), "batch_size"),
    (lambda m, x, y: m.fit(x, y, batch_size=-1, verbose=0), "batch_size"),
    (lambda m, x, y: m.fit(x, y, steps_per_epoch=-2, verbose=0), "steps_per_epoch"),
    (lambda m, x, y: m.fit(x, y, epochs=-1, verbose=0), "epochs"),
    (lambda m, x, y: m.evaluate(x, y, batch_size=0), "batch_size"),
    (lambda m, x, y: m.predict(x, batch_size=0), "batch_size"),
    (lambda m, x, y: m.evaluate(x, y, steps=0), "steps"),
])
def test_bad_counts_are_value_errors_naming_the_argument(call, words):
    model = tiny()
    x, y = data()
    with pytest.raises(ValueError, match=words):
        call(model, x, y)


def test_empty_data_is_refused_and_empty_validation_is_skipped(recwarn):
    model = tiny()
    x, y = data()
    with pytest.raises(ValueError, match="no samples"):
        model.fit(x[:0], y[:0], verbose=0)
    with pytest.raises(ValueError, match="no samples"):
        model.evaluate(x[:0], y[:0])
    history = model.fit(x, y, validation_data=(x[:0], y[:0]), verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    assert any("validation_data holds no samples" in str(w.message) for w in recwarn)
    # a split that leaves one side empty is refused, as Keras refuses it
    with pytest.raises(ValueError, match="leaves 12 for training and 0 for validation"):
        model.fit(x, y, validation_split=1e-17, verbose=0)  # 1 - 1e-17 == 1.0
    with pytest.raises(ValueError, match="leaves 0 for training and 1 for validation"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)
    unbuilt = Sequential([Flatten(), Dense(3)])
    assert unbuilt.predict(np.zeros((0, 4, 4, 2), np.float32)).shape == (0, 3)


def test_wrong_y_length_fails_before_any_step_in_the_users_counts(monkeypatch):
    model = tiny()
    x, y = data(12)
    steps = []
    monkeypatch.setattr(model, "train_step", lambda *a: steps.append(a))
    with pytest.raises(ValueError, match="x has 12 samples but y has 11"):
        model.fit(x, y[:11], validation_split=0.25, verbose=0)
    assert steps == []


class Loader:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return self.x[6 * i:6 * i + 6], self.y[6 * i:6 * i + 6]


def generator(x, y):
    while True:
        yield x[:6], y[:6]


@pytest.mark.parametrize("make", [
    lambda x, y: [x, y], lambda x, y: (x, y, np.ones(len(y))), lambda x, y: Loader(x, y),
], ids=["list", "triple", "loader"])
def test_validation_data_in_keras_forms(make):
    model = tiny()
    x, y = data()
    history = model.fit(x, y, validation_data=make(x, y), epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    expected = model.evaluate(x, y, return_dict=True)
    assert history.history["val_loss"][-1] == pytest.approx(expected["loss"], rel=1e-5)


def test_validation_from_a_generator_with_validation_steps():
    model = tiny()
    x, y = data()
    history = model.fit(x, y, validation_data=generator(x, y), validation_steps=1, verbose=0)
    assert len(history.history["val_loss"]) == 1


@pytest.mark.parametrize("bad", [{"x": 1}, (np.zeros((2, 8, 8, 3)),), "val", 3.0,
                                 (np.zeros((2, 8, 8, 3)), np.zeros(2), np.zeros(2), np.zeros(2))])
def test_unusable_validation_data_fails_before_training(bad, monkeypatch):
    model = tiny()
    x, y = data()
    steps = []
    monkeypatch.setattr(model, "train_step", lambda *a: steps.append(a))
    with pytest.raises((TypeError, ValueError), match="validation_data"):
        model.fit(x, y, validation_data=bad, verbose=0)
    assert steps == []


def test_a_model_without_layers_says_so():
    empty = Sequential()
    empty.compile("sgd", "sparse_categorical_crossentropy")
    x, y = data()
    for call in (lambda: empty.predict(x), lambda: empty.fit(x, y, verbose=0),
                 lambda: empty.evaluate(x, y)):
        with pytest.raises(ValueError, match="no layers"):
            call()


def test_a_generator_without_steps_asks_for_them():
    model = tiny()
    x, y = data()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(generator(x, y), verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(model.fit(generator(x, y), steps_per_epoch=3, verbose=0).history["loss"]) == 1
