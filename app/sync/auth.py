"""How the secret and the institution token travel: the auth header forms gateways accept."""

from __future__ import annotations

from enum import StrEnum

from pydantic import SecretStr


class AuthForm(StrEnum):
    """Which header carries the secret (`LAPOR_AUTH_FORM`)."""

    both = "both"
    """`auth: Bearer <secret>` and `Authorization: Bearer <secret>`: works with either gateway."""
    auth_bearer = "auth_bearer"
    """Older gateways: `auth: Bearer <secret>` only."""
    authorization = "authorization"
    """Newer gateways: `<LAPOR_AUTH_HEADER_NAME>: <secret>` as given (include `Bearer ` if it needs one)."""


def auth_headers(form: AuthForm, secret: SecretStr, token: SecretStr, *, header_name: str) -> dict[str, str]:
    """The headers of every request in this form, the institution token always under `token`."""
    value = secret.get_secret_value()
    headers = {"token": token.get_secret_value()}
    if form in (AuthForm.both, AuthForm.auth_bearer):
        headers["auth"] = f"Bearer {value}"
    if form is AuthForm.both:
        headers["Authorization"] = f"Bearer {value}"
    if form is AuthForm.authorization:
        headers[header_name] = value
    return headers
