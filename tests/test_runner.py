"""minicnn train's runner: checkpoints every epoch, and a resumed run ends bit-identical
to one that was never interrupted (on the bundled sample)."""
import io
import json
import contextlib

import numpy as np
import pytest

from minicnn import load_model
from minicnn.callbacks import Callback
from minicnn.projects import runner, xray


class InterruptAfter(Callback):
    """Ctrl-C right after epoch ``epochs`` ends (its checkpoint written)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise KeyboardInterrupt


def quiet(**kwargs):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            return runner.run(xray, verbose=0, image_size=(96, 96), batch_size=16, **kwargs), out
        except KeyboardInterrupt:
            return None, out


def test_an_interrupted_and_resumed_run_ends_bit_identical(tmp_path):
    straight, _ = quiet(epochs=4, out=str(tmp_path / "straight"), class_weight="balanced")
    stopped, printed = quiet(epochs=4, out=str(tmp_path / "stopped"), class_weight="balanced",
                             callbacks=[InterruptAfter(2)])
    assert stopped is None and "report below is from epoch 2" in printed.getvalue()
    halfway = json.loads((tmp_path / "stopped" / "metrics.json").read_text())
    assert halfway["interrupted"] and halfway["epochs"] == 2  # a report was written at once
    resumed, printed = quiet(epochs=4, out=str(tmp_path / "stopped"), class_weight="balanced",
                             resume=True)
    assert "resuming after epoch 2 of 4" in printed.getvalue()
    a = load_model(tmp_path / "straight" / "model.npz")
    b = load_model(tmp_path / "stopped" / "model.npz")
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    for key, value in a.optimizer.state.items():
        np.testing.assert_array_equal(value, b.optimizer.state[key])
    assert resumed["history"] == straight["history"] and len(straight["history"]["loss"]) == 4
    assert resumed["test"] == straight["test"]


def test_resume_refuses_other_settings_or_no_checkpoint(tmp_path):
    quiet(epochs=1, out=str(tmp_path / "run"))
    with pytest.raises(ValueError, match="learning_rate 0.001 .now 0.01"):
        quiet(epochs=2, out=str(tmp_path / "run"), resume=True, learning_rate=0.01)
    with pytest.raises(ValueError, match="nothing to resume"):
        quiet(epochs=2, out=str(tmp_path / "empty"), resume=True)


def test_the_report_shows_every_class_recall(tmp_path):
    summary, printed = quiet(epochs=1, out=str(tmp_path / "run"))
    recalls = [summary["test"]["per_class"][name]["recall"] for name in summary["classes"]]
    assert summary["test"]["macro_recall"] == pytest.approx(np.mean(recalls))
    assert "macro recall" in printed.getvalue() and "Pneumonia" in printed.getvalue()
