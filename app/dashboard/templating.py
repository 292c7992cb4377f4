"""The workspace's Jinja2 environment: templates shipped in the package, autoescape always on."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from app.dashboard.wording import (
    DEADLINE_LABELS,
    NO_FIGURE,
    ROLE_LABELS,
    day_label,
    decimal,
    kind_label,
    last_day_label,
    local_time_label,
    share,
    status_label,
    whole,
)

_ENV = Environment(
    loader=PackageLoader("app.dashboard", "templates"),
    autoescape=True,  # every template, whatever its name: data is never markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(
    whole=whole,
    decimal=decimal,
    share=share,
    day=day_label,
    kind=kind_label,
    status=status_label,
)
_ENV.globals.update(
    NO_FIGURE=NO_FIGURE,
    ROLE_LABELS=ROLE_LABELS,
    DEADLINE_LABELS=DEADLINE_LABELS,
    last_day=last_day_label,
    local_time=local_time_label,
)


def render(template: str, **context: Any) -> str:
    """One page, rendered from its template with the context given."""
    return _ENV.get_template(template).render(**context)
