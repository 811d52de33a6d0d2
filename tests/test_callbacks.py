"""Callbacks: EarlyStopping, plain functions, the progress bar."""
import numpy as np
import pytest

import minicnn
from minicnn import Sequential
from minicnn.callbacks import EarlyStopping
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
    assert model.evaluate(x, y)[0] == pytest.approx(history.history["val_loss"][best], rel=1e-5)



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
    assert model.evaluate(x, y)[0] == pytest.approx(losses[best], rel=1e-5)


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
    from minicnn.callbacks import ModelCheckpoint
    minicnn.set_seed(1)
    x, y = bars(32, rng, size=8)
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(8, 8, 1))
    model.compile(SGD(50.0), "sparse_categorical_crossentropy")
    best = ModelCheckpoint(tmp_path / "best.npz", monitor="val_loss", save_best_only=True)
    every = ModelCheckpoint(str(tmp_path / "epoch-{epoch:02d}.npz"))
    history = model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), callbacks=[best, every])
    losses = history.history["val_loss"]
    assert load_model(tmp_path / "best.npz").evaluate(x, y)[0] == pytest.approx(min(losses), rel=1e-5)
    assert sorted(p.name for p in tmp_path.glob("epoch-*.npz")) == [f"epoch-0{i}.npz" for i in range(1, 5)]
    assert not list(tmp_path.glob(".*partial*"))


def test_csv_logger_writes_a_line_per_epoch(rng, tmp_path):
    from minicnn.callbacks import CSVLogger
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
    from minicnn.callbacks import progress
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
