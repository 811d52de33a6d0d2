"""keras.models: Sequential, Model (functional models and subclasses), load_model,
save_model, clone_model, and model_from_json (Keras's JSON, as model.to_json writes it)."""
import json

from minicnn.compat.functional import Model
from minicnn.compat.keras.saving import save_model  # Keras's one function under both names
from minicnn.compat.missing import missing_names
from minicnn.training.trainer import Sequential
from minicnn.training.models import clone_model, load_model


def model_from_json(json_string, custom_objects=None):
    """The model (new weights) of Keras's JSON architecture: model.to_json()'s, or Keras's
    own, for the layers minicnn reads (compat/keras/saving/layer_table.py)."""
    from minicnn.compat.keras.saving import model_from_config
    spec = json.loads(json_string)
    plan = model_from_config.plan_model(spec, "model_from_json")
    model, _ = model_from_config.build(plan, "model_from_json")
    return model


def model_from_config(config, custom_objects=None):
    return model_from_json(json.dumps(config), custom_objects)


__all__ = ["Sequential", "Model", "load_model", "save_model", "clone_model", "model_from_json",
           "model_from_config"]
__getattr__ = missing_names("keras.models", {}, __all__)
