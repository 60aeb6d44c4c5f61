"""Function views; pydantic validates the ``api`` body (Django has no JSON validation)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from _common import EXTRA_FORTUNE, HELLO, query_count, random_id, random_ids
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from pydantic import BaseModel, Field, ValidationError

from djangobench.models import Fortune, World


class NewItem(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    price: Annotated[float, Field(ge=0)]
    tags: list[str] = []


@require_GET
def plaintext(request: HttpRequest) -> HttpResponse:
    return HttpResponse(HELLO, content_type="text/plain; charset=utf-8")


@require_GET
def json(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"message": HELLO})


@require_GET
def db(request: HttpRequest) -> HttpResponse:
    world = World.objects.get(id=random_id())
    return JsonResponse({"id": world.id, "randomNumber": world.randomnumber})


@require_GET
def queries(request: HttpRequest) -> HttpResponse:
    count = query_count(request.GET.get("queries"))
    worlds = [World.objects.get(id=random_id()) for _ in range(count)]
    return JsonResponse([{"id": w.id, "randomNumber": w.randomnumber} for w in worlds], safe=False)


@require_GET
def updates(request: HttpRequest) -> HttpResponse:
    worlds = []
    with transaction.atomic():
        for world_id in random_ids(query_count(request.GET.get("queries"))):
            world = World.objects.get(id=world_id)
            world.randomnumber = random_id()
            world.save(update_fields=["randomnumber"])
            worlds.append(world)
    return JsonResponse([{"id": w.id, "randomNumber": w.randomnumber} for w in worlds], safe=False)


@require_GET
def fortunes(request: HttpRequest) -> HttpResponse:
    rows = list(Fortune.objects.all())
    rows.append(Fortune(id=0, message=EXTRA_FORTUNE))
    rows.sort(key=lambda fortune: fortune.message)
    return render(request, "fortunes.html", {"fortunes": rows})


@require_POST
def api(request: HttpRequest, item_id: int) -> HttpResponse:
    token = request.headers.get("x-token")
    try:
        item = NewItem.model_validate_json(request.body)
    except ValidationError as exc:
        return JsonResponse({"detail": exc.errors(include_url=False)}, status=422)
    if not token:
        return JsonResponse({"detail": "x-token header missing"}, status=422)
    verbose = request.GET.get("verbose", "false").lower() in ("1", "true", "yes", "on")
    body = {"item_id": item_id, "verbose": verbose, "token": token, "item": item.model_dump()}
    return JsonResponse(body)


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    file = request.FILES["file"]
    sha = hashlib.sha256()
    size = 0
    for chunk in file.chunks(64 * 1024):
        sha.update(chunk)
        size += len(chunk)
    return JsonResponse({"size": size, "sha256": sha.hexdigest()})
