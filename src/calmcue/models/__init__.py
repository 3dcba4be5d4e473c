"""Shipped model files (package data): activity.onnx and its manifest activity.json.

`make model` (models/train/) writes them here; this folder is their one source of truth, so a wheel carries
them and the app loads them through `calmcue.features.activity_model` wherever it is installed.
"""
