"""Callbacks: EarlyStopping, plain functions, the progress bar."""
import numpy as np
import pytest

import minicnn
from minicnn import Sequential
from minicnn.training.callbacks import EarlyStopping
from minicnn.layers import Dense, Flatten
from minicnn.optimizers import SGD
from conftest import bars


def test_early_stopping_restores_best_weights(rng):
    minicnn.set_seed(1)  # initial weights whose validation loss rises for two epochs
    x, y = bars(32, rng, size=8)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    # a learning rate so large that the validation loss gets worse after the first epoch
    model.compile(SGD(50.0), "sparse_categorical_crossentropy")
    seen = []
    stopper = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, verbose=0, validation_data=(x, y),
                        callbacks=[stopper, lambda epoch, logs: seen.append((epoch, logs["loss"]))])
    epochs_run = len(history.history["loss"])
    assert epochs_run < 20 and len(seen) == epochs_run
    best = int(np.argmin(history.history["val_loss"]))
    assert model.evaluate(x, y, return_dict=True)["loss"] == pytest.approx(history.history["val_loss"][best], rel=1e-5)



def test_restore_best_weights_also_when_training_ends_without_a_stop(rng):
    """As Keras 3: the best epoch's weights come back at the end of training even
    when patience never ran out."""
    minicnn.set_seed(1)  # the validation loss rises after the first epoch (as above)
    x, y = bars(32, rng, size=8)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile(SGD(50.0), "sparse_categorical_crossentropy")
    stopper = EarlyStopping(monitor="val_loss", patience=100, restore_best_weights=True)
    history = model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), callbacks=[stopper])
    losses = history.history["val_loss"]
    best = int(np.argmin(losses))
    assert len(losses) == 4 and stopper.stopped_epoch is None and best != 3, losses
    assert model.evaluate(x, y, return_dict=True)["loss"] == pytest.approx(losses[best], rel=1e-5)


def test_patience_counts_epochs_as_keras_does():
    """patience=1 stops after the first epoch without improvement (Keras: wait >= patience)."""
    class Fake:
        stop_training = False

        def get_weights(self):
            return []
    stopper = EarlyStopping(monitor="val_loss", patience=1)
    stopper.set_model(Fake())
    stopper.on_train_begin()
    for epoch, value in enumerate([1.0, 0.5, 0.7]):
        stopper.on_epoch_end(epoch, {"val_loss": value})
    assert stopper.model.stop_training and stopper.stopped_epoch == 2


def test_model_checkpoint_saves_the_best_epochs_model(rng, tmp_path):
    from minicnn import load_model
    from minicnn.training.callbacks import ModelCheckpoint
    minicnn.set_seed(1)
    x, y = bars(32, rng, size=8)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile(SGD(50.0), "sparse_categorical_crossentropy")
    best = ModelCheckpoint(tmp_path / "best.npz", monitor="val_loss", save_best_only=True)
    every = ModelCheckpoint(str(tmp_path / "epoch-{epoch:02d}.npz"))
    history = model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), callbacks=[best, every])
    losses = history.history["val_loss"]
    assert load_model(tmp_path / "best.npz").evaluate(x, y, return_dict=True)["loss"] == pytest.approx(min(losses), rel=1e-5)
    assert sorted(p.name for p in tmp_path.glob("epoch-*.npz")) == [f"epoch-0{i}.npz" for i in range(1, 5)]
    assert not list(tmp_path.glob(".*partial*"))


def test_csv_logger_writes_a_line_per_epoch(rng, tmp_path):
    from minicnn.training.callbacks import CSVLogger
    x, y = bars(16, rng, size=8)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x, y, epochs=3, verbose=0, callbacks=[CSVLogger(tmp_path / "log.csv")])
    lines = (tmp_path / "log.csv").read_text().splitlines()
    assert lines[0] == "epoch,accuracy,loss" and len(lines) == 4 and lines[3].startswith("2,")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(tmp_path / "log.csv", append=True)])
    assert len((tmp_path / "log.csv").read_text().splitlines()) == 5


def test_the_progress_bar_writes_a_line_every_interval_outside_a_terminal(monkeypatch):
    import io
    from minicnn.training.callbacks import progress
    clock = iter([0.0, 1.0, 11.0, 12.0, 25.0, 30.0])
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    stream = io.StringIO()
    bar = progress.ProgressBar(100, stream=stream, interval=10)  # created at t = 0
    bar.update(1, {"loss": 1.0})            # t = 1: too soon
    bar.update(50, {"loss": 0.5})           # t = 11: a line
    bar.update(60, {"loss": 0.4})           # t = 12: too soon
    bar.update(90, {"loss": 0.3})           # t = 25: a line
    bar.update(100, {"loss": 0.2}, final=True)
    lines = stream.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["50/100", "90/100", "100/100"]
    assert "ETA: 11s" in lines[0] and "loss: 0.5000" in lines[0] and "300ms/step" in lines[2]


# -- round 3 --------------------------------------------------------------------------------
@pytest.mark.parametrize("failure", [FloatingPointError, KeyboardInterrupt])
def test_csv_logger_closes_its_file_when_fit_ends_with_an_error(rng, tmp_path, failure):
    from minicnn.training.callbacks import Callback, CSVLogger
    x, y = bars(16, rng, size=8)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])

    class Fail(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise failure("in the second epoch")
    logger = CSVLogger(tmp_path / "log.csv")
    with pytest.raises(failure):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[logger, Fail()])
    assert logger.file is None  # closed, by on_train_end
    assert len((tmp_path / "log.csv").read_text().splitlines()) == 3  # header + 2 epochs


def test_every_callback_has_a_json_able_state_protocol():
    import json
    from minicnn.training.callbacks import Callback, CSVLogger, ModelCheckpoint
    assert Callback().get_state() == {} and Callback().set_state({}) is None
    assert CSVLogger("log.csv").get_state() == {}
    checkpoint = ModelCheckpoint("m.npz", save_best_only=True)
    checkpoint.best = np.float32(0.25)
    state = json.loads(json.dumps(checkpoint.get_state()))
    other = ModelCheckpoint("m.npz", save_best_only=True)
    other.set_state(state)
    assert other.best == 0.25
    with pytest.raises(ValueError, match="ModelCheckpoint.set_state"):
        other.set_state({"best": "low"})


def test_early_stopping_resumes_from_its_state(rng):
    """Split into two fits after epoch 7 (one epoch into its patience) through
    get_state/set_state and JSON, EarlyStopping stops at the epoch, and restores the
    weights, of one uninterrupted fit."""
    import json
    x, y = bars(32, rng, size=8)
    validation = bars(16, rng, size=8)

    def model():
        minicnn.set_seed(1)
        model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
        model.compile(SGD(1.0), "sparse_categorical_crossentropy")
        return model

    def stopper():
        return EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    fit = dict(verbose=0, validation_data=validation, shuffle=False)
    straight, whole = model(), stopper()
    history = straight.fit(x, y, epochs=30, callbacks=[whole], **fit).history["val_loss"]
    assert len(history) == 8 and whole.stopped_epoch == 7 and whole.best_epoch == 5, history
    split, first = model(), stopper()
    last = []  # the weights after epoch 7, as a checkpoint holds them (the fit's end
    #            restores epoch 6's, the best so far)
    split.fit(x, y, epochs=7, callbacks=[first, lambda epoch, logs: last.append(
        split.get_weights())], **fit)
    split.set_weights(last[-1])
    second = stopper()
    second.set_state(json.loads(json.dumps(first.get_state())))
    rest = split.fit(x, y, epochs=30, initial_epoch=7, callbacks=[second], **fit)
    assert rest.history["val_loss"] == history[7:] and second.stopped_epoch == 7
    for a, b in zip(straight.get_weights(), split.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("state,words", [
    ({"best": 1.0}, "expected an object"),
    ({"best": "x", "best_epoch": 0, "wait": 0, "stopped_epoch": None, "best_weights": None},
     "best must be"),
    ({"best": 1.0, "best_epoch": 0, "wait": -1, "stopped_epoch": None, "best_weights": None},
     "wait"),
])
def test_early_stopping_refuses_a_malformed_state(state, words):
    with pytest.raises(ValueError, match=words):
        EarlyStopping().set_state(state)
