"""POST /api/v1/registry/aggregates: an aggregate-only site's contribution (the JSON that
`painpath registry aggregate` writes, docs/registry.md) through the API, beside the pooled
sites' extracts. The same token, scope, audit and error shape as the extracts' endpoint;
the registry's :func:`~painpath.registry.services.receive_aggregate` checks and stores it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Field, Schema

from painpath.api.endpoints import ERRORS, _require, api
from painpath.api.models import Scope
from painpath.api.services import ApiError, ExtractRefused, _site


class AggregateOut(Schema):
    site: str
    status: str = Field(
        description="accepted, or unchanged: the same contribution as the site's current one; "
        "nothing written."
    )
    cells: int = Field(description="Cells of the contribution (withheld ones not counted).")


@api.post(
    "/registry/aggregates",
    response={200: AggregateOut, **ERRORS},
    summary="Upload an aggregate-only site's contribution (sufficient statistics, JSON)",
)
def upload_aggregate(request: HttpRequest, contribution: Body[dict[str, Any]]) -> dict[str, Any]:
    """The contribution as `painpath registry aggregate` writes it: checked whole (counts
    under the registry's k, means in range, the site and registry named), then the site's
    current contribution. A repeat of it changes nothing (`status: unchanged`)."""
    from painpath.core.registry.extract import InvalidExtract
    from painpath.registry import services as registry
    from painpath.registry.models import Site

    client = _require(request, Scope.REGISTRY_UPLOAD)
    site = _site(client)
    if site.participation != Site.Participation.AGGREGATE:
        raise ApiError(["body"], f"site {site.code} sends pooled rows: POST /registry/extracts")
    try:
        result = registry.receive_aggregate(
            site, contribution, client=f"api:{client.name}", request=request
        )
    except InvalidExtract as error:
        # Each problem names its cell and field in the message (parse_contribution's own).
        raise ExtractRefused([(["body"], e.message) for e in error.errors]) from None
    return {"site": site.code, "status": result.status, "cells": result.rows.get("cells", 0)}
