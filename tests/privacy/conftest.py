"""The sync rig (service, puller, pusher and the in-process mock national LAPOR), reused from
tests/sync_flow for the upstream and storage checks here, and the webhook receiver of tests/webhooks."""

from __future__ import annotations

from tests.sync_flow.conftest import rig, rig_settings
from tests.webhooks.conftest import receiver

__all__ = ["receiver", "rig", "rig_settings"]
