"""minicnn's model files (.npz): writing.py writes them atomically, checking.py
works out from an architecture what a file must hold, reading.py reads a file
only after checking it against that. (Keras's .keras and .h5 files are
compat/keras/saving's.)"""
