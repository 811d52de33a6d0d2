"""Around the core: Keras's verbs (trainer.py: fit, evaluate, predict, ...) over the
textbook step, their batches, callbacks and streaming metrics, the summary table
and the model files (.npz)."""
