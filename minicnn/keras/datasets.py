"""keras.datasets: mnist, fashion_mnist, cifar10, cifar100 from Keras's own cache."""
from minicnn.datasets import cifar10, cifar100, fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist", "cifar10", "cifar100"]
