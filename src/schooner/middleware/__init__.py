"""Middleware: layers around the app, applied in the order they are declared.

The first middleware declared is the outermost: first to see the request, last to see the
response. Router middleware nests inside app middleware. ``schooner middleware APP --path
/x`` prints the whole chain for a path, built-in error layers included.
"""

from __future__ import annotations

from schooner.middleware.base import CallNext, FunctionMiddleware, Middleware

__all__ = ["CallNext", "FunctionMiddleware", "Middleware"]
