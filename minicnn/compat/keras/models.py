"""keras.models: Sequential, Model (functional chains and sub-models), load_model, clone_model."""
from minicnn.compat.functional import Model
from minicnn.compat.missing import missing_names
from minicnn.training.trainer import Sequential
from minicnn.training.models import clone_model, load_model

__all__ = ["Sequential", "Model", "load_model", "clone_model"]

HINTS = {
    "save_model": "call model.save(path) (.keras for a Keras file, any other name for "
                  "minicnn's .npz).",
    "model_from_json": "minicnn reads whole models: keras.models.load_model(path) on a .keras "
                       "or .npz file.",
    "model_from_config": "minicnn reads whole models: keras.models.load_model(path).",
}
__getattr__ = missing_names("keras.models", HINTS, __all__)
