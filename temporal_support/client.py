"""One way to connect to Temporal, shared by the API, the worker and the scripts."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter

from config import Settings
from temporal_support.codec import data_converter


def converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, sealed with the settings' payload keys."""
    return data_converter(settings.payload_keys, settings.payload_key_id)


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace, data_converter=converter(settings)
    )
