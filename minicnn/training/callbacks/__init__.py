"""What fit calls around each epoch and step: Keras's callbacks, and the progress bar.

    base.py           Callback (the hooks), History, FunctionCallback
    stopping.py       EarlyStopping
    files.py          ModelCheckpoint, CSVLogger
    learning_rate.py  ReduceLROnPlateau, LearningRateScheduler
    progress.py       ProgressBar
"""
from minicnn.training.callbacks.base import Callback, FunctionCallback, History
from minicnn.training.callbacks.files import CSVLogger, ModelCheckpoint
from minicnn.training.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from minicnn.training.callbacks.progress import ProgressBar
from minicnn.training.callbacks.stopping import EarlyStopping

__all__ = ["Callback", "FunctionCallback", "History", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "ReduceLROnPlateau", "LearningRateScheduler", "ProgressBar"]
