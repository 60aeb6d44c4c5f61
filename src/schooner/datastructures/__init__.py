"""Data structures for HTTP messages: headers, URLs, query strings, forms and uploads.

They are thin, typed views over what the ASGI server hands us; nothing is parsed until asked.
``Headers`` and ``QueryParams`` are case- and multi-value aware: ``getlist`` returns every
value, indexing returns one.
"""

from __future__ import annotations

from schooner.datastructures._headers import Headers, MutableHeaders
from schooner.datastructures._multidict import MultiDict, QueryParams
from schooner.datastructures._state import State
from schooner.datastructures._upload import FormData, UploadFile
from schooner.datastructures._url import URL

__all__ = [  # noqa: RUF022  # plain sorted order, as tests/test_public_api.py checks
    "FormData",
    "Headers",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "State",
    "URL",
    "UploadFile",
]
