"""The sync rig (service, puller, pusher and the in-process mock national LAPOR), reused from
tests/sync_flow for the upstream and storage checks here."""

from __future__ import annotations

from tests.sync_flow.conftest import rig, rig_settings

__all__ = ["rig", "rig_settings"]
