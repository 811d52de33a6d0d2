"""The two training recipes: the chest X-ray classifier and the galaxy classifier.

Each recipe module holds its data loading, augmentation and model as small
functions and constants; ``runner.run`` trains one and writes the report.
"""
