"""Outbound messages: the outbox, the SMS gateways, and the dispatcher between them.

Callers queue with `enqueue_sms` inside their own transaction; after a request that queued
something commits, the app `kick()`s its `OutboxWorker` (`watch_queueing`, `queued_here`).
Nothing outside this package sends an SMS directly.
"""

from notifications.dispatcher import DispatchReport, OutboxWorker, dispatch_pending
from notifications.outbox import QueuedSms, enqueue_sms, enqueue_sms_batch
from notifications.providers import (
    FileSmsProvider,
    MemorySmsProvider,
    OutgoingSms,
    PermanentFailure,
    ProviderError,
    SentSms,
    SmsProvider,
    TemporaryFailure,
    provider_from_setting,
)

__all__ = [
    "DispatchReport",
    "FileSmsProvider",
    "MemorySmsProvider",
    "OutboxWorker",
    "OutgoingSms",
    "PermanentFailure",
    "ProviderError",
    "QueuedSms",
    "SentSms",
    "SmsProvider",
    "TemporaryFailure",
    "dispatch_pending",
    "enqueue_sms",
    "enqueue_sms_batch",
    "provider_from_setting",
]
