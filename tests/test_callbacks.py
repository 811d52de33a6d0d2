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

