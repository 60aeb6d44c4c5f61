"""Middleware: layers around the app, applied in the order they are declared.

The first middleware declared is the outermost: first to see the request, last to see the
response. Router middleware nests inside app middleware. ``schooner middleware APP --path
/x`` prints the whole chain for a path, built-in error layers included.

Built in, each pure ASGI and opt-in (``App(middleware=[Middleware(CORSMiddleware, ...)])``):
``TrustedHostMiddleware`` (on by itself in production), ``HTTPSRedirectMiddleware``,
``CORSMiddleware``, ``GZipMiddleware``, ``RequestIDMiddleware`` (with the injectable
``RequestId``) and ``AccessLogMiddleware``.
"""

from __future__ import annotations

from schooner.middleware.accesslog import AccessLogMiddleware
from schooner.middleware.base import CallNext, FunctionMiddleware, Middleware
from schooner.middleware.cors import CORSMiddleware
from schooner.middleware.gzip import GZipMiddleware
from schooner.middleware.httpsredirect import HTTPSRedirectMiddleware
from schooner.middleware.requestid import RequestId, RequestIDMiddleware, request_id
from schooner.middleware.trustedhost import TrustedHostMiddleware

__all__ = [
    "AccessLogMiddleware",
    "CORSMiddleware",
    "CallNext",
    "FunctionMiddleware",
    "GZipMiddleware",
    "HTTPSRedirectMiddleware",
    "Middleware",
    "RequestIDMiddleware",
    "RequestId",
    "TrustedHostMiddleware",
    "request_id",
]
