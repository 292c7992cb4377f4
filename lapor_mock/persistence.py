"""The mock's state in a file, so a demo stopped and started again finds its complaints (and ids)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from lapor_mock.state import NationalState


def load_state(path: Path) -> NationalState | None:
    """The state saved at `path`, or None when there is none (or it is unreadable: start afresh)."""
    try:
        with path.open("rb") as stored:
            # Only ever a file this mock wrote itself into the local data folder.
            state = pickle.load(stored)  # noqa: S301
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return state if isinstance(state, NationalState) else None


def save_state(state: NationalState, path: Path) -> None:
    """Write the state atomically (a file half written by a stop is never read back)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".tmp")
    with partial.open("wb") as out:
        pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)
