"""keras.saving: loading and saving whole models (minicnn/compat/keras/saving writes and
reads Keras's files; load_model also reads minicnn's .npz), and the registry of custom
objects, which minicnn keeps for Keras's programs (its model files hold no code)."""
from minicnn.compat.keras.utils import (CustomObjectScope, custom_object_scope,
                                        get_custom_objects, register_keras_serializable)
from minicnn.compat.missing import missing_names
from minicnn.training.models import load_model


def save_model(model, filepath, overwrite=True, **kwargs):
    """model.save(filepath)."""
    return model.save(filepath)


__all__ = ["load_model", "save_model", "register_keras_serializable", "get_custom_objects",
           "custom_object_scope", "CustomObjectScope"]
__getattr__ = missing_names("keras.saving", {}, __all__)
