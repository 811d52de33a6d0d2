"""keras.callbacks."""
from minicnn.training.callbacks import (Callback, CSVLogger, EarlyStopping, History, LearningRateScheduler,
                               ModelCheckpoint, ReduceLROnPlateau)
from minicnn.compat.missing import missing_names

__all__ = ["Callback", "CSVLogger", "EarlyStopping", "History", "LearningRateScheduler",
           "ModelCheckpoint", "ReduceLROnPlateau"]

HINTS = {
    "TensorBoard": "minicnn writes no TensorBoard logs: history.history holds every logged "
                   "value per epoch (minicnn.apps.plots.plot_history draws them), and CSVLogger "
                   "writes them to a file.",
    "BackupAndRestore": "ModelCheckpoint saves the model after each epoch; `minicnn train "
                        "--resume` continues an interrupted run from its checkpoint.",
    "TerminateOnNaN": "minicnn stops by itself at a loss that is not finite: FloatingPointError "
                      "naming the epoch and batch, the last good weights kept.",
    "LambdaCallback": "pass a plain function f(epoch, logs) in callbacks=[...]: fit calls it "
                      "after each epoch (or subclass Callback for the other hooks).",
    "ProgbarLogger": "fit(verbose=1) draws the progress bar, verbose=2 prints a line per epoch.",
    "RemoteMonitor": "minicnn sends nothing over the network; CSVLogger writes the logs to a "
                     "file.",
    "SwapEMAWeights": "minicnn keeps no moving average of the weights.",
}
__getattr__ = missing_names("keras.callbacks", HINTS, __all__)
