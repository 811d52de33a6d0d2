"""Callbacks, round 4: the best value starts at +-infinity as in Keras, so a NaN epoch
(first or later) is never the best; a ModelCheckpoint template or monitor naming a
value fit will not log fails before the first step, and so does a val_ one (EarlyStopping's
too) when fit has no validation data; a schedule's own TypeError reaches its author."""
import json

import numpy as np
import pytest

import minicnn
from minicnn import layers
from minicnn.callbacks import (Callback, EarlyStopping, LearningRateScheduler, ModelCheckpoint,
                               ReduceLROnPlateau)

NAN = float("nan")


class Metric:
    def __init__(self, name):
        self.name = name


class FakeModel:
    """What the callbacks use of a model: save, weights, the optimizer, the metrics."""

    def __init__(self):
        self.saved, self.stop_training, self.weights = [], False, [np.zeros(1)]
        self.optimizer = minicnn.optimizers.SGD(0.1)
        self.metrics = [Metric("loss"), Metric("accuracy")]

    def save(self, path, *args, **kwargs):
        self.saved.append(path)

    save_weights = save

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def drive(callback, values, key="val_loss"):
    """Epochs whose ``key`` takes ``values`` (the weights are [epoch]); returns the
    model and the last epoch run."""
    model = FakeModel()
    callback.set_model(model)
    callback.params = {"epochs": len(values), "steps": 1, "verbose": 0, "do_validation": True}
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        model.weights = [np.array([float(epoch)])]
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {"loss": 1.0, key: value})
        if model.stop_training:
            break
    callback.on_train_end()
    return model, epoch


MONITORS = [("val_loss", [NAN, 1.0, 0.5, 0.25]), ("val_accuracy", [NAN, 0.5, 0.6, 0.7])]


@pytest.mark.parametrize("key, values", MONITORS)
def test_a_nan_first_epoch_does_not_latch_model_checkpoint(key, values):
    checkpoint = ModelCheckpoint("m-{epoch}.npz", monitor=key, save_best_only=True)
    model, _ = drive(checkpoint, values, key)
    assert model.saved == ["m-2.npz", "m-3.npz", "m-4.npz"]
    assert checkpoint.best == values[-1]


@pytest.mark.parametrize("key, values", MONITORS)
def test_a_nan_first_epoch_does_not_latch_early_stopping(key, values):
    stopper = EarlyStopping(monitor=key, patience=1, restore_best_weights=True)
    model, last = drive(stopper, values, key)
    assert last == 3 and stopper.stopped_epoch is None and stopper.best_epoch == 3
    assert model.weights[0][0] == 3.0  # the best epoch's weights, not the NaN epoch's


@pytest.mark.parametrize("key, values", MONITORS)
def test_a_nan_first_epoch_does_not_latch_reduce_lr_on_plateau(key, values):
    reducer = ReduceLROnPlateau(monitor=key, patience=2, factor=0.5)
    model, _ = drive(reducer, values, key)
    assert model.optimizer.learning_rate == 0.1  # improving every epoch after the NaN one


def test_a_nan_later_is_never_an_improvement():
    checkpoint = ModelCheckpoint("m-{epoch}.npz", save_best_only=True)
    assert drive(checkpoint, [1.0, NAN, NAN, 0.5])[0].saved == ["m-1.npz", "m-4.npz"]
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    model, last = drive(stopper, [1.0, NAN, NAN, 0.5])
    assert last == 2 and model.weights[0][0] == 0.0
    reducer = ReduceLROnPlateau(patience=2, factor=0.5)
    assert drive(reducer, [1.0, NAN, NAN])[0].optimizer.learning_rate == 0.05
    # only NaN: nothing saved, nothing restored (Keras's comparisons are false for NaN)
    assert drive(ModelCheckpoint("m.npz", save_best_only=True), [NAN, NAN])[0].saved == []


@pytest.mark.parametrize("make", [lambda: EarlyStopping(patience=3),
                                  lambda: ReduceLROnPlateau(patience=3),
                                  lambda: ModelCheckpoint("m.npz", save_best_only=True)])
def test_the_state_before_any_improvement_is_json_and_resumes(make):
    callback = make()
    drive(callback, [NAN])
    state = json.loads(json.dumps(callback.get_state(), allow_nan=False))
    assert state["best"] is None
    resumed = make()
    resumed.set_model(FakeModel())
    resumed.set_state(state)
    assert resumed.best == float("inf")
    for bad in (NAN, float("inf"), "low", True):
        with pytest.raises(ValueError, match="best must be a finite number or null"):
            make().set_state({**state, "best": bad})


class Steps(Callback):
    def __init__(self):
        self.steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1


def fit(callbacks, validation=False, metrics=("accuracy",)):
    model = minicnn.Sequential([layers.Dense(2, activation="softmax")], input_shape=(3,))
    model.compile("sgd", "categorical_crossentropy", list(metrics))
    x = np.random.default_rng(0).random((8, 3), dtype=np.float32)
    y = np.eye(2, dtype=np.float32)[np.arange(8) % 2]
    steps = Steps()
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[steps] + callbacks,
              validation_data=(x, y) if validation else None)
    return steps.steps


@pytest.mark.parametrize("template, words", [
    ("m-{fooo}.npz", "names 'fooo', which fit will not log"),
    ("m-{auc:.2f}.npz", "names 'auc'"),
    ("m-{val_auc:.2f}.npz", "names 'val_auc'"),
    ("m-{epoch}-{batch}.npz", "names 'batch'"),
    ("m-{}.npz", "positional placeholder {}"),
    ("m-{0}.npz", "positional placeholder {0}"),
    ("m-{epoch.npz", "not a valid template"),
])
def test_a_template_naming_what_fit_will_not_log_fails_before_the_first_step(
        tmp_path, template, words):
    steps = Steps()
    with pytest.raises(ValueError, match="ModelCheckpoint") as caught:
        checkpoint = ModelCheckpoint(tmp_path / template, monitor="loss")
        fit([steps, checkpoint], validation=True)
    assert words in str(caught.value) and steps.steps == 0
    if "will not log" in words:
        assert "it logs epoch, loss, accuracy, val_loss, val_accuracy" in str(caught.value)


def test_val_keys_without_validation_data_fail_before_training():
    checkpoint = ModelCheckpoint("m-{val_loss:.2f}.npz")
    checkpoint.set_model(FakeModel())
    checkpoint.params = {"epochs": 1, "steps": 1, "verbose": 0, "do_validation": False}
    with pytest.raises(ValueError, match="names 'val_loss'.*no validation data"):
        checkpoint.on_train_begin()
    monitor = ModelCheckpoint("m.npz", monitor="val_accuracy", save_best_only=True)
    monitor.set_model(FakeModel())
    monitor.params = checkpoint.params
    with pytest.raises(ValueError, match="monitor 'val_accuracy' fit will not log"):
        monitor.on_train_begin()


@pytest.mark.parametrize("make, words", [
    (lambda path: ModelCheckpoint(path / "m-{val_loss:.2f}.npz"),
     "ModelCheckpoint: filepath .* names 'val_loss'"),
    (lambda path: ModelCheckpoint(path / "m.npz", monitor="val_loss", save_best_only=True),
     "ModelCheckpoint: monitor 'val_loss'"),
    (lambda path: EarlyStopping(), "EarlyStopping: monitor 'val_loss'")])  # Keras's default
def test_val_keys_without_validation_through_fit_fail_before_the_first_step(tmp_path, make,
                                                                           words):
    """fit tells its callbacks whether it validates (model.fit_validates: Keras 3's params
    do not say), so a val_ key without validation data is refused before any step, saying
    why; with validation data the same callback runs."""
    steps = Steps()
    with pytest.raises(ValueError, match=f"{words}.*no validation data") as caught:
        fit([steps, make(tmp_path)])
    assert steps.steps == 0, caught.value
    assert fit([make(tmp_path)], validation=True) == 4


def test_fit_keeps_keras_params_and_says_whether_it_validates_on_the_model():
    seen = []

    class Spy(Callback):
        def on_train_begin(self, logs=None):
            seen.append((dict(self.params), self.model.fit_validates))

    model = minicnn.Sequential([layers.Dense(2, activation="softmax")], input_shape=(3,))
    model.compile("sgd", "categorical_crossentropy")
    x, y = np.zeros((4, 3), np.float32), np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]
    model.fit(x, y, batch_size=2, verbose=0, callbacks=[Spy()])
    model.fit(x, y, batch_size=2, verbose=0, callbacks=[Spy()], validation_data=(x, y))
    assert seen == [({"verbose": 0, "epochs": 1, "steps": 2}, False),
                    ({"verbose": 0, "epochs": 1, "steps": 2}, True)]  # Keras 3's params
    assert model.fit_validates is None  # outside fit: nothing to say


def test_a_val_key_missing_at_an_epochs_end_says_there_was_no_validation():
    """Driven by hand (nothing said whether fit validates), the callbacks find out at the
    epoch's end, and say why as well as what was logged."""
    logs = {"loss": 0.5, "accuracy": 0.9}
    checkpoint = ModelCheckpoint("m.npz", monitor="val_loss", save_best_only=True)
    checkpoint.set_model(FakeModel())
    with pytest.raises(ValueError, match=r"'val_loss' is not among the logged values "
                                         r"\['accuracy', 'loss'\]; fit has no validation data"):
        checkpoint.on_epoch_end(0, dict(logs))
    stopping = EarlyStopping()
    stopping.set_model(FakeModel())
    stopping.on_train_begin()
    with pytest.raises(ValueError, match="EarlyStopping: monitor 'val_loss'.*no validation data"):
        stopping.on_epoch_end(0, dict(logs))
    plateau = ReduceLROnPlateau()
    plateau.set_model(FakeModel())
    with pytest.warns(UserWarning, match="'val_loss'.*no validation data.*learning rate stays"):
        plateau.on_epoch_end(0, dict(logs))
    with pytest.raises(ValueError, match="'val_auc' is not among") as caught:  # validated,
        checkpoint.monitor = "val_auc"                                         # but no AUC
        checkpoint.on_epoch_end(0, dict(logs, val_loss=0.4))
    assert "validation data" not in str(caught.value)


def test_templates_of_logged_values_save(tmp_path):
    fit([ModelCheckpoint(tmp_path / "m-{epoch:02d}-{val_loss:.2f}-{accuracy:.2f}.npz")],
        validation=True)
    fit([ReduceLROnPlateau(monitor="loss"),
         ModelCheckpoint(tmp_path / "lr-{epoch}-{learning_rate:.3f}.npz", monitor="loss")])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4 and names[0].startswith("lr-1-0.010"), names


def test_a_schedules_own_type_error_reaches_its_author():
    """Keras calls schedule(epoch) again after any TypeError and reports a missing
    argument; minicnn reads the signature, so the schedule's error is the one raised."""
    def buggy(epoch, lr):
        return lr * "x" if epoch else lr

    with pytest.raises(TypeError, match="can't multiply sequence"):
        fit([LearningRateScheduler(buggy)])
    rates = []

    def of_epoch(epoch):
        rates.append(epoch)
        return 0.01

    fit([LearningRateScheduler(of_epoch)])
    fit([LearningRateScheduler(lambda epoch, lr=None: 0.01)])
    assert rates == [0, 1]
