"""What is built on minicnn: the ``minicnn`` command (cli.py), the training projects
and their reports, plots, explanations (saliency, Grad-CAM), shortcut-learning
measurements, ONNX export, and the exercises."""
