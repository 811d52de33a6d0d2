"""keras.models: Sequential, Model (sub-models of a chain), load_model and clone_model."""
from minicnn.model import Sequential
from minicnn.models import clone_model, load_model
from minicnn.submodel import Model

__all__ = ["Sequential", "Model", "load_model", "clone_model"]
