"""Other libraries' names over minicnn's own classes: Keras's module paths (keras/,
with Keras's model files in keras/saving), TensorFlow's (tensorflow/) and
scikit-learn's (sklearn/). The core never imports them; import_paths.py maps
``minicnn.keras``, ``minicnn.metrics``, ... here."""
