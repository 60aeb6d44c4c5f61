"""The forms of the account pages, declared with the forms battery.

Every input says what a browser or a password manager should fill in (``autocomplete``:
``username`` and ``current-password`` to sign in, ``email`` and ``new-password`` to sign
up), so saved passwords are offered where they belong and new ones are suggested where a
password is chosen. The rules of a new password are its help text, from the app's
validators (:func:`with_password_help`, once per app), and the macros link it to the input
with ``aria-describedby``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Any, TypeVar

from schooner.contrib.auth._passwords import MAX_PASSWORD_LENGTH
from schooner.contrib.forms import Field, Form

__all__ = [
    "DeleteForm",
    "EmailChangeForm",
    "EmailForm",
    "LoginForm",
    "PasswordChangeForm",
    "RegisterForm",
    "SetPasswordForm",
    "check_text",
    "with_password_help",
]

F = TypeVar("F", bound=Form)

EMAIL_LENGTH = 254  # RFC 5321 §4.5.3.1.3: the longest path, less its angle brackets

# Control characters (a NUL above all) are no part of an address anyone types, and some
# databases refuse them in text outright: a form with one is answered with an error.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

SignInEmail = Annotated[
    str,
    Field(label="E-mail address", widget="email", autocomplete="username", max_length=EMAIL_LENGTH),
]
NewEmail = Annotated[
    str,
    Field(label="E-mail address", widget="email", autocomplete="email", max_length=EMAIL_LENGTH),
]
CurrentPassword = Annotated[
    str,
    Field(
        label="Password",
        widget="password",
        autocomplete="current-password",
        max_length=MAX_PASSWORD_LENGTH,
    ),
]
NewPassword = Annotated[
    str,
    Field(
        label="New password",
        widget="password",
        autocomplete="new-password",
        max_length=MAX_PASSWORD_LENGTH,
    ),
]
RepeatPassword = Annotated[
    str,
    Field(
        label="New password again",
        widget="password",
        autocomplete="new-password",
        max_length=MAX_PASSWORD_LENGTH,
    ),
]


class LoginForm(Form):
    """Sign in with e-mail address and password."""

    email: SignInEmail
    password: CurrentPassword


class RegisterForm(Form):
    """Open an account."""

    email: NewEmail
    password: Annotated[
        str,
        Field(
            label="Password",
            widget="password",
            autocomplete="new-password",
            max_length=MAX_PASSWORD_LENGTH,
        ),
    ]


class EmailForm(Form):
    """One e-mail address: for a reset link or a new verification link."""

    email: SignInEmail


class SetPasswordForm(Form):
    """A new password, typed twice (from a reset link)."""

    new_password: NewPassword
    new_password2: RepeatPassword


class PasswordChangeForm(Form):
    """The current password and the new one, typed twice."""

    current_password: Annotated[
        str,
        Field(
            label="Current password",
            widget="password",
            autocomplete="current-password",
            max_length=MAX_PASSWORD_LENGTH,
        ),
    ]
    new_password: NewPassword
    new_password2: RepeatPassword


class EmailChangeForm(Form):
    """The new address, confirmed with the password."""

    email: Annotated[
        str,
        Field(
            label="New e-mail address",
            widget="email",
            autocomplete="email",
            max_length=EMAIL_LENGTH,
        ),
    ]
    password: CurrentPassword


class DeleteForm(Form):
    """The password, to confirm that the account goes."""

    password: CurrentPassword


def with_password_help(form: type[F], help_text: str) -> type[F]:
    """A subclass of ``form`` whose new-password fields show ``help_text`` (the rules).

    The app's validators are known only when the app is set up, so the pages build these
    subclasses once, when the ``Pages`` of an app are made.
    """
    if not help_text:
        return form
    overrides: dict[str, Any] = {}
    for name, spec in form.fields().items():
        if spec.field.autocomplete == "new-password" and not name.endswith("2"):
            field = dataclasses.replace(spec.field, help_text=help_text)
            overrides[name] = Annotated[spec.annotation, field]
    namespace = {
        "__annotations__": overrides,
        "__module__": form.__module__,
        "__doc__": form.__doc__,
    }
    made: type[F] = type(form.__name__, (form,), namespace)
    return made


def check_text(form: Form, *names: str) -> None:
    """Add an error to each of the named fields whose value holds a control character."""
    for name in names:
        value = form.cleaned.get(name)
        if isinstance(value, str) and _CONTROL.search(value):
            form.add_error(name, "Enter a valid e-mail address.")
