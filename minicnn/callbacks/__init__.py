"""What fit calls around each epoch and step: Keras's callbacks, and the progress bar.

    base.py           Callback (the hooks), History, FunctionCallback
    stopping.py       EarlyStopping
    files.py          ModelCheckpoint, CSVLogger
    learning_rate.py  ReduceLROnPlateau, LearningRateScheduler
    progress.py       ProgressBar
"""
from minicnn.callbacks.base import Callback, FunctionCallback, History
from minicnn.callbacks.files import CSVLogger, ModelCheckpoint
from minicnn.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from minicnn.callbacks.progress import ProgressBar
from minicnn.callbacks.stopping import EarlyStopping

__all__ = ["Callback", "FunctionCallback", "History", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "ReduceLROnPlateau", "LearningRateScheduler", "ProgressBar"]
