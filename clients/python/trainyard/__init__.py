"""Python client for Trainyard, the training service that speaks PyTorch.

    from trainyard import Client
    client = Client("http://localhost:3000", api_key="...")
    job = client.jobs.create(spec)
    client.jobs.wait(job["id"])

`trainyard.torch` turns PyTorch modules, optimizers, schedulers and losses into job specs and
loads trained weights back.
"""
from ._schema import API_VERSION
from .client import Client, Datasets, Jobs, Tokens
from .errors import FieldError, TrainyardError
from .events import DoneEvent, EpochEvent, Event, ProgressEvent, StatusEvent, UnknownEvent

__version__ = "0.1.0"

__all__ = [
    "API_VERSION",
    "Client",
    "Datasets",
    "DoneEvent",
    "EpochEvent",
    "Event",
    "FieldError",
    "Jobs",
    "ProgressEvent",
    "StatusEvent",
    "Tokens",
    "TrainyardError",
    "UnknownEvent",
]
