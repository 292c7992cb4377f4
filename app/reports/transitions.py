"""The status table of docs/domain.md and the named actions that walk it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.models.enums import ReportStatus as S
from app.models.enums import Role

# docs/domain.md, "Statuses and the moves between them": the only edges a local move may take.
ALLOWED_MOVES: dict[S, frozenset[S]] = {
    S.unverified: frozenset({S.verified, S.on_hold, S.rejected, S.forwarded}),
    S.on_hold: frozenset({S.unverified, S.verified, S.rejected}),
    S.verified: frozenset({S.disposed, S.forwarded}),
    S.disposed: frozenset({S.in_progress, S.followed_up, S.disposed, S.verified}),
    S.in_progress: frozenset({S.followed_up, S.verified}),
    S.followed_up: frozenset({S.completed, S.in_progress}),
    S.completed: frozenset({S.archived}),
    S.rejected: frozenset({S.archived}),
    S.forwarded: frozenset({S.archived}),
    S.archived: frozenset(),
}


class Action(StrEnum):
    """A move as the API names it."""

    verify = "verify"
    hold = "hold"
    resume = "resume"
    reject = "reject"
    forward = "forward"
    dispose = "dispose"
    take_up = "take_up"
    follow_up = "follow_up"
    send_back = "send_back"
    complete = "complete"
    reopen = "reopen"
    archive = "archive"


@dataclass(frozen=True)
class ActionRule:
    """Where an action may start, where it leads, and who may take it."""

    sources: frozenset[S]
    target: S
    roles: frozenset[Role]


_COORD = frozenset({Role.admin, Role.coordinator})
_AGENCY = frozenset({Role.admin, Role.agency})
_REPORTER_SIDE = frozenset({Role.admin, Role.coordinator, Role.intake})

ACTION_RULES: dict[Action, ActionRule] = {
    Action.verify: ActionRule(frozenset({S.unverified, S.on_hold}), S.verified, _COORD),
    Action.hold: ActionRule(frozenset({S.unverified}), S.on_hold, _COORD),
    Action.resume: ActionRule(frozenset({S.on_hold}), S.unverified, _COORD),
    Action.reject: ActionRule(frozenset({S.unverified, S.on_hold}), S.rejected, _COORD),
    Action.forward: ActionRule(frozenset({S.unverified, S.verified}), S.forwarded, _COORD),
    Action.dispose: ActionRule(frozenset({S.verified, S.disposed}), S.disposed, _COORD),
    Action.take_up: ActionRule(frozenset({S.disposed}), S.in_progress, _AGENCY),
    Action.follow_up: ActionRule(frozenset({S.disposed, S.in_progress}), S.followed_up, _AGENCY),
    Action.send_back: ActionRule(frozenset({S.disposed, S.in_progress}), S.verified, _AGENCY),
    Action.complete: ActionRule(frozenset({S.followed_up}), S.completed, _REPORTER_SIDE),
    Action.reopen: ActionRule(frozenset({S.followed_up}), S.in_progress, _REPORTER_SIDE),
    Action.archive: ActionRule(frozenset({S.completed, S.rejected, S.forwarded}), S.archived, _COORD),
}


def _check_rules_match_table() -> None:
    """Every action edge is an allowed move, and every allowed move has an action."""
    edges = {(src, rule.target) for rule in ACTION_RULES.values() for src in rule.sources}
    table = {(src, dst) for src, dsts in ALLOWED_MOVES.items() for dst in dsts}
    if edges != table:
        raise RuntimeError(f"action rules and move table disagree: {edges ^ table}")


_check_rules_match_table()


def actions_from(status: S) -> list[dict[str, str]]:
    """The actions (and where they lead) that the table allows from a status."""
    return [
        {"action": action.value, "to": rule.target.value}
        for action, rule in ACTION_RULES.items()
        if status in rule.sources
    ]


def is_allowed(current: S, target: S) -> bool:
    """Whether docs/domain.md's table allows this move."""
    return target in ALLOWED_MOVES[current]
