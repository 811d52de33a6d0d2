"""The small real samples shipped with minicnn (README.md here says where they come from)."""
import os

FOLDER = os.path.dirname(os.path.abspath(__file__))
COVID_XRAY = os.path.join(FOLDER, "covid-xray")
GALAXY = os.path.join(FOLDER, "galaxy")  # two images of each class, no train/test split
