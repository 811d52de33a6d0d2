"""keras.models: Sequential, Model (sub-models of a chain) and load_model."""
from minicnn.model import Sequential
from minicnn.saving import load_model
from minicnn.submodel import Model

__all__ = ["Sequential", "Model", "load_model"]
