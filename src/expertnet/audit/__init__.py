"""Audit evidence outside the request path: checkpoints by the worker, `expertnet audit ...`."""
