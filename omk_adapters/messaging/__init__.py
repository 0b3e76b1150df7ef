"""Messaging adapters: the outbox relay, the in-process broker, RabbitMQ (pika), the worker."""

from omk_adapters.messaging.errors import BrokerUnavailable

__all__ = ["BrokerUnavailable"]
