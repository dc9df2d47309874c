"""The registry's use cases: a clinic makes its extract, the registry receives extracts and
aggregate contributions, and reads the pooled data back.

- Clinic side, :func:`make_extract`: the clinic's patients with a current research consent
  (the registry export, :class:`painpath.analytics.services.Registry`, reads consent when it
  runs), re-keyed for the registry: ``person_id`` is the registry key's HMAC of the
  normalised CPR number, so two clinics with different field keys give one person the same
  pseudonym; ``patient_id`` the registry key's HMAC of the episode's public id. The answers
  behind the scores, the diagnoses and the procedure come from the same episodes.
- Registry side, :func:`receive_extract`: everything is checked first
  (:func:`painpath.core.registry.extract.validate`), then the site's rows are replaced in one
  transaction. The same content as the last accepted upload changes nothing; a refused
  extract writes nothing but the refusal's log row; a person missing from the new extract
  (consent withdrawn) is gone after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from painpath import __version__
from painpath.analytics import services as analytics
from painpath.audit.services import Event, record
from painpath.core.analytics.placement import place_answers
from painpath.core.cpr import parse_cpr
from painpath.core.fhir.common import FhirError
from painpath.core.fhir.import_ import Imported, import_bundle, import_ndjson
from painpath.core.followup import builtin_protocols
from painpath.core.registry import extract as ex
from painpath.core.registry.schema import AXIS_PREFIX, EXTRACT_FORMAT, SCORES, TABLES
from painpath.patients import crypto
from painpath.patients.models import Clinic, Diagnosis, Episode
from painpath.registry.models import (
    AggregateContribution,
    PooledAnswer,
    PooledCondition,
    PooledProcedure,
    PooledScore,
    Registry,
    Site,
    Upload,
)

EXTRACT_MADE = Event("registry.extract.made", "export")
UPLOAD_ACCEPTED = Event("registry.upload.accepted", "change")
UPLOAD_UNCHANGED = Event("registry.upload.unchanged", "view")
UPLOAD_REFUSED = Event("registry.upload.refused", "view")
COMBINED_VIEWED = Event("registry.combined.viewed", "view")
OVERVIEW_VIEWED = Event("registry.overview.viewed", "view")
SITE_SAVED = Event("registry.site.saved", "change")
REGISTRY_SAVED = Event("registry.registry.saved", "change")

BATCH = 5000
POOLED_MODELS = {
    "scores": PooledScore,
    "answers": PooledAnswer,
    "conditions": PooledCondition,
    "procedures": PooledProcedure,
}


class RegistryError(ValueError):
    """A request the registry cannot act on; the message says what to do."""


# --------------------------------------------------------------------------- clinic side


def _dictionary_version() -> str:
    if importlib.util.find_spec("painpath.core.registry.dictionary") is None:
        return ""
    from painpath.core.registry import dictionary

    version = getattr(dictionary, "dictionary_version", None)
    return str(version() if callable(version) else version or "")


def _keys(episode_ids: list[int], key: bytes, site_code: str) -> pl.DataFrame:
    """Episode id → the registry's pseudonyms of the episode and of the person."""
    rows = Episode.objects.filter(id__in=episode_ids).values_list(
        "id", "public_id", "patient__public_id", "patient__cpr_encrypted"
    )
    ids, patients, persons = [], [], []
    for episode, public_id, patient, encrypted in rows:
        if encrypted:
            value = parse_cpr(crypto.decrypt(encrypted)).digits
        else:
            # Without a CPR number the record cannot be linked to another site's: it is a
            # person of its own.
            value = f"record:{site_code}:{patient}"
        ids.append(episode)
        patients.append(ex.pseudonym(key, "episode", f"{site_code}:{public_id}"))
        persons.append(ex.pseudonym(key, "person", value))
    return pl.DataFrame(
        {"episode_id": ids, "patient_id": patients, "person_id": persons},
        schema={"episode_id": pl.Int64, "patient_id": pl.String, "person_id": pl.String},
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, sort_keys=True)


def _answers(scores: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """The item answers of the responses the scores were placed from (placed again by the
    same function, carrying the response's id)."""
    from painpath.questionnaires.models import QuestionnaireResponse

    ids = keys["episode_id"].to_list()
    rows = list(
        QuestionnaireResponse.objects.filter(episode_id__in=ids, score__isnull=False)
        .order_by()
        .values_list("episode_id", "id", "instrument", "answered_on", "score", "answers")
    )
    responses = pl.DataFrame(
        [(e, i, code, on, s, i) for e, i, code, on, s, _ in rows],
        schema={
            "episode_id": pl.Int64,
            "id": pl.Int64,
            "instrument": pl.String,
            "answered_on": pl.Date,
            "score": pl.Float64,
            "response_id": pl.Int64,
        },
        orient="row",
    )
    episodes = scores.select("episode_id", "protocol", "index_date").unique("episode_id")
    placed = place_answers(responses, episodes, builtin_protocols())
    answers = {i: a for _, i, _, _, _, a in rows}
    wording = scores.select("episode_id", "instrument", "timepoint", "wording_id")
    items: dict[str, list[Any]] = {c: [] for c in ("episode_id", "instrument", "timepoint")}
    items |= {"item": [], "value": []}
    for episode, code, point, response in placed.select(
        "episode_id", "instrument", "timepoint", "response_id"
    ).iter_rows():
        given = answers.get(response)
        for item, value in sorted(given.items()) if isinstance(given, dict) else ():
            text = _text(value)
            if text is None:
                continue
            for name, v in zip(items, (episode, code, point, str(item), text), strict=True):
                items[name].append(v)
    frame = pl.DataFrame(
        items,
        schema={
            "episode_id": pl.Int64,
            "instrument": pl.String,
            "timepoint": pl.Int64,
            "item": pl.String,
            "value": pl.String,
        },
    )
    return frame.join(wording, on=["episode_id", "instrument", "timepoint"], how="left")


def _conditions(ids: list[int]) -> pl.DataFrame:
    rows = Diagnosis.objects.filter(episode_id__in=ids).values_list(
        "episode_id", "code", "primary", "recorded_at"
    )
    return pl.DataFrame(
        [(e, "ICD-10", c, p, timezone.localtime(at).date()) for e, c, p, at in rows],
        schema={
            "episode_id": pl.Int64,
            "system": pl.String,
            "code": pl.String,
            "primary": pl.Boolean,
            "recorded_on": pl.Date,
        },
        orient="row",
    ).unique(["episode_id", "system", "code"], keep="first", maintain_order=True)


def _procedures(ids: list[int]) -> pl.DataFrame:
    from painpath.pathway.models import ProcedureBooking

    rows = ProcedureBooking.objects.filter(episode_id__in=ids).values_list(
        "episode_id", "kind", "appointment_date"
    )
    return pl.DataFrame(
        list(rows),
        schema={"episode_id": pl.Int64, "kind": pl.String, "performed_on": pl.Date},
        orient="row",
    )


def make_extract(
    clinic: Clinic,
    *,
    registry_key: bytes,
    registry_code: str,
    site_code: str,
    date_shift: int | None = None,
    user: Any = None,
    request: HttpRequest | None = None,
) -> ex.Extract:
    """The clinic's pooled extract for a registry (see the module docstring); with
    ``date_shift`` (days) every date is moved by its person's offset within ±that."""
    export = analytics.Registry(clinic=clinic)
    # The episode's id rides along so that its answers, diagnoses and procedure can follow;
    # it is dropped before anything leaves.
    export.schema = {"episode_id": pl.Int64} | export.schema
    frames = list(export.batches())
    scores = pl.concat(frames) if frames else pl.DataFrame(schema=export.schema)
    ids = scores["episode_id"].unique().to_list()
    keys = _keys(ids, registry_key, site_code)
    scores = scores.drop("patient_id", "person_id").join(keys, on="episode_id", how="inner")
    axes = sorted(c for c in scores.columns if c.startswith(AXIS_PREFIX))
    answers = _answers(scores, keys)
    linked = {
        "scores": scores.with_columns(pl.lit(site_code).alias("site")),
        "answers": answers,
        "conditions": _conditions(ids),
        "procedures": _procedures(ids),
    }
    tables = {}
    for name, frame in linked.items():
        if "patient_id" not in frame.columns:
            frame = frame.join(keys.select("episode_id", "patient_id"), on="episode_id")
        columns = [*TABLES[name], *(axes if name == "scores" else ())]
        schema = TABLES[name] | dict.fromkeys(axes, pl.String)
        tables[name] = frame.select([pl.col(c).cast(schema[c]) for c in columns]).sort(
            list(ex.KEYS[name]), nulls_last=True
        )
    if date_shift:
        tables = ex.shift_dates(tables, registry_key, date_shift)
    manifest = {
        "format": EXTRACT_FORMAT,
        "site": site_code,
        "registry": registry_code,
        "created_at": timezone.now().isoformat(),
        "painpath_version": __version__,
        "dictionary_version": _dictionary_version(),
        "date_shift": "per-person" if date_shift else "none",
        "rows": {name: frame.height for name, frame in tables.items()},
    }
    made = ex.Extract(**tables, manifest=manifest)
    with transaction.atomic():
        record(
            request,
            EXTRACT_MADE,
            user=user,
            object_type="registry.extract",
            clinic=clinic.code,
            registry=registry_code,
            site=site_code,
            rows=manifest["rows"],
            persons=made.persons,
            date_shift=manifest["date_shift"],
        )
    return made


def extract_for_site(site: Site, *, user: Any = None) -> ex.Extract:
    """The extract of a site whose clinic is a tenant of this server, with this registry's
    key and date rule."""
    if site.clinic is None:
        raise RegistryError(f"site {site.code} is not a clinic on this server")
    registry = site.registry
    return make_extract(
        site.clinic,
        registry_key=registry.key(),
        registry_code=registry.code,
        site_code=site.code,
        date_shift=registry.shift_days
        if registry.date_shift == Registry.DateShift.PER_PERSON
        else None,
        user=user,
    )


# --------------------------------------------------------------------------- registry side


@dataclass(frozen=True)
class UploadResult:
    status: str  # accepted, unchanged, refused
    upload: Upload
    rows: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    removed_persons: int = 0
    errors: tuple[str, ...] = ()


def content_sha256(extract: ex.Extract) -> str:
    """Of the tables' content (Parquet, as written here), not of the manifest: the same data
    sent again, as CSV or Parquet, made at another time, has the same digest."""
    digest = hashlib.sha256()
    for name, frame in extract.tables().items():
        digest.update(name.encode())
        # The oldest Arrow layout (large strings): polars' string views lay the same values
        # out differently after reading Parquet than after reading CSV.
        canonical = frame.select(sorted(frame.columns)).write_ipc(
            None, compat_level=pl.CompatLevel.oldest()
        )
        digest.update(canonical.getvalue())
    return digest.hexdigest()


def _refuse(
    site: Site,
    sha: str,
    manifest: Mapping[str, Any],
    errors: Iterable[Any],
    *,
    user: Any,
    client: str,
    request: HttpRequest | None,
) -> ex.InvalidExtract:
    problems = [
        e if isinstance(e, ex.ExtractError) else ex.ExtractError("upload", None, None, str(e))
        for e in errors
    ]
    with transaction.atomic():
        upload = Upload.objects.create(
            site=site,
            sha256=sha,
            manifest=json.loads(json.dumps(manifest, default=str)),
            status=Upload.Status.REFUSED,
            errors=[str(e) for e in problems[: ex.SHOWN_ERRORS]],
            user=_staff(user),
            client=client,
        )
        record(
            request,
            UPLOAD_REFUSED,
            user=user,
            obj=upload,
            site=site.code,
            errors=len(problems),
            first=str(problems[0]) if problems else "",
        )
    return ex.InvalidExtract(problems)


def _staff(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _site_checks(site: Site, manifest: Mapping[str, Any]) -> list[ex.ExtractError]:
    errors = []
    if site.participation != Site.Participation.POOLED:
        errors.append(
            ex.ExtractError("upload", None, None, f"site {site.code} sends aggregates, not rows")
        )
    if manifest.get("site") != site.code:
        errors.append(
            ex.ExtractError(
                "manifest", None, "site", f"is {manifest.get('site')!r}, not {site.code!r}"
            )
        )
    if manifest.get("registry") != site.registry.code:
        errors.append(
            ex.ExtractError(
                "manifest",
                None,
                "registry",
                f"is {manifest.get('registry')!r}, not {site.registry.code!r}",
            )
        )
    wanted = site.registry.date_shift
    if manifest.get("date_shift") != wanted:
        errors.append(
            ex.ExtractError(
                "manifest",
                None,
                "date_shift",
                f"is {manifest.get('date_shift')!r}; this registry asks for {wanted!r}",
            )
        )
    return errors


def _length_checks(extract: ex.Extract) -> list[ex.ExtractError]:
    """Text longer than its column holds: PostgreSQL would refuse the row inside the
    transaction (a server error, and no refusal recorded); SQLite would store it, so that a
    site could send free text in any string column."""
    errors: list[ex.ExtractError] = []
    for name, frame in extract.tables().items():
        model = POOLED_MODELS[name]
        indexed = frame.with_row_index("_row", offset=1)
        for column, dtype in frame.schema.items():
            if dtype != pl.String or column == "site":
                continue
            limit = (
                60  # an axis result code (the longest shipped is 34), in the row's JSON
                if column.startswith(AXIS_PREFIX)
                else getattr(model._meta.get_field(column), "max_length", None)
            )
            if limit is None:
                continue
            long = indexed.filter(pl.col(column).str.len_chars() > limit)
            errors += ex._rows(name, long, column, f"is longer than {limit} characters")
    return errors


def _insert(name: str, frame: pl.DataFrame, site: Site) -> None:
    """The table's rows as the site's, by ``executemany`` of plain tuples: a model instance per
    row cost 51 s for 240,000 rows on SQLite, most of an upload."""
    model = POOLED_MODELS[name]
    columns = [c for c in TABLES[name] if c != "site"]
    selected = frame.select(columns)
    extra: list[str] = []
    if name == "scores":
        axes = [c for c in frame.columns if c.startswith(AXIS_PREFIX)]
        names = [a[len(AXIS_PREFIX) :] for a in axes]
        # The axis columns as one JSON object per row, without the axes a row has no code for
        # (as the model stores them).
        codes = (
            [
                json.dumps({n: v for n, v in zip(names, row, strict=True) if v is not None})
                for row in frame.select(axes).iter_rows()
            ]
            if axes
            else ["{}"] * frame.height
        )
        selected = selected.with_columns(pl.Series("axes", codes, dtype=pl.String))
        extra = ["axes"]
    fields = [model._meta.get_field(c).column for c in (*columns, *extra)]
    table = connection.ops.quote_name(model._meta.db_table)
    holders = ["%s"] * (len(columns) + 1 + len(extra))
    sql = (
        f"INSERT INTO {table} (site_id, {', '.join(connection.ops.quote_name(f) for f in fields)})"
        f" VALUES ({', '.join(holders)})"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: executemany sent one statement per row, 38 s for the 240,000 rows.
            names = ", ".join(connection.ops.quote_name(f) for f in ("site_id", *fields))
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in selected.iter_rows():
                    copy.write_row((site.pk, *row))
            return
        for start in range(0, selected.height, BATCH):
            batch = selected.slice(start, BATCH).iter_rows()
            cursor.executemany(sql, [(site.pk, *row) for row in batch])


def receive_extract(
    site: Site,
    extract: ex.Extract,
    *,
    user: Any = None,
    client: str = "",
    request: HttpRequest | None = None,
) -> UploadResult:
    """Validate ``extract`` and make it the site's current contribution (module docstring).
    Raises :class:`~painpath.core.registry.extract.InvalidExtract` when refused."""
    sha = content_sha256(extract)
    errors = _site_checks(site, extract.manifest) + ex.check(extract)
    if not any(e.row is None and e.table in POOLED_MODELS for e in errors):
        errors += _length_checks(extract)
    if errors:
        raise _refuse(
            site, sha, extract.manifest, errors, user=user, client=client, request=request
        )
    rows = extract.rows()
    with transaction.atomic():
        # Locked: two uploads for one site at once would interleave their delete and insert.
        Site.objects.select_for_update().filter(pk=site.pk).first()
        last = (
            Upload.objects.filter(site=site, status=Upload.Status.ACCEPTED)
            .order_by("-received_at", "-id")
            .first()
        )
        common = {
            "site": site,
            "sha256": sha,
            "manifest": json.loads(json.dumps(dict(extract.manifest), default=str)),
            "counts": rows,
            "persons": extract.persons,
            "user": _staff(user),
            "client": client,
        }
        if last is not None and last.sha256 == sha:
            upload = Upload.objects.create(status=Upload.Status.UNCHANGED, **common)
            record(request, UPLOAD_UNCHANGED, user=user, obj=upload, site=site.code, sha256=sha)
            return UploadResult("unchanged", upload, rows, extract.persons)
        before = set(
            PooledScore.objects.filter(site=site).values_list("person_id", flat=True).distinct()
        )
        for model in POOLED_MODELS.values():
            model.objects.filter(site=site).delete()
        for name, frame in extract.tables().items():
            _insert(name, frame, site)
        removed = len(before - set(extract.scores["person_id"].unique().to_list()))
        upload = Upload.objects.create(status=Upload.Status.ACCEPTED, **common)
        record(
            request,
            UPLOAD_ACCEPTED,
            user=user,
            obj=upload,
            site=site.code,
            sha256=sha,
            rows=rows,
            persons=extract.persons,
            removed_persons=removed,
        )
    return UploadResult("accepted", upload, rows, extract.persons, removed)


def receive_file(
    site: Site,
    content: bytes,
    *,
    user: Any = None,
    client: str = "",
    request: HttpRequest | None = None,
) -> UploadResult:
    """An extract's zip as uploaded: read, then :func:`receive_extract`. A file that cannot be
    read (not a zip, damaged, a bomb, a checksum that does not match) is refused on the record
    like any other, so that the overview and the audit log show the attempt."""
    try:
        extract = ex.read_extract(content)
    except ex.InvalidExtract as error:
        sha = hashlib.sha256(content).hexdigest()
        raise _refuse(
            site, sha, {}, error.errors, user=user, client=client, request=request
        ) from None
    return receive_extract(site, extract, user=user, client=client, request=request)


def fhir_extract(site: Site, imported: Imported) -> ex.Extract:
    """A FHIR import as the site's extract: its ``scores`` and ``answers``, no conditions or
    procedures (a QuestionnaireResponse carries neither). The cohort columns FHIR does not
    carry stay null, which the pooled tables read as unknown; ``site`` is the site's. Dates
    are as the site sent them: the manifest says ``none``, so that a registry asking for
    shifted dates refuses the bundle rather than trust dates nobody shifted."""
    scores = imported.scores.with_columns(pl.lit(site.code, dtype=pl.String).alias("site"))
    tables = ex.empty_tables() | {"scores": scores, "answers": imported.answers}
    # Sorted by key, so that the same responses in another order have the same content digest.
    tables = {
        name: frame.sort(list(ex.KEYS[name]), nulls_last=True) for name, frame in tables.items()
    }
    manifest = {
        "format": EXTRACT_FORMAT,
        "site": site.code,
        "registry": site.registry.code,
        "created_at": timezone.now().isoformat(),
        "painpath_version": __version__,
        "dictionary_version": _dictionary_version(),
        "date_shift": "none",
        "rows": {name: frame.height for name, frame in tables.items()},
        "source": "fhir",
    }
    return ex.Extract(**tables, manifest=manifest)


def receive_fhir(
    site: Site,
    source: Mapping[str, Any] | Path,
    *,
    user: Any = None,
    client: str = "",
    request: HttpRequest | None = None,
) -> UploadResult:
    """A Bundle (parsed JSON) or a directory of NDJSON files of QuestionnaireResponses as the
    site's complete current contribution: imported and checked against painpath's
    Questionnaires (:mod:`painpath.core.fhir.import_`), then :func:`receive_extract`, which
    replaces the site's rows by key. A bundle with a bad response is refused on the record,
    naming its entry and linkId, and stores nothing."""
    try:
        imported = import_bundle(source) if isinstance(source, Mapping) else import_ndjson(source)
    except FhirError as error:
        if isinstance(source, Mapping):
            raw = json.dumps(source, sort_keys=True, default=str).encode()
        else:
            raw = b"".join(p.read_bytes() for p in sorted(source.glob("*.ndjson")))
        problems = getattr(error, "problems", None) or (error,)
        raise _refuse(
            site,
            hashlib.sha256(raw).hexdigest(),
            {"source": "fhir"},
            [str(p) for p in problems],
            user=user,
            client=client,
            request=request,
        ) from None
    return receive_extract(
        site, fhir_extract(site, imported), user=user, client=client, request=request
    )


def _aggregate_errors(site: Site, body: Any) -> list[str]:
    """What is wrong with an aggregate-only site's contribution, for this site and registry
    (the format's own checks: :func:`painpath.core.registry.aggregate.parse_contribution`)."""
    from painpath.core.registry.aggregate import ContributionError, parse_contribution

    if site.participation != Site.Participation.AGGREGATE:
        return [f"site {site.code} sends pooled rows, not aggregates"]
    try:
        contribution = parse_contribution(body)
    except ContributionError as error:
        return [str(error)]
    errors = []
    if contribution.site != site.code:
        errors.append(f"site: is {contribution.site!r}, not {site.code!r}")
    if contribution.registry not in (None, site.registry.code):
        errors.append(f"registry: is {contribution.registry!r}, not {site.registry.code!r}")
    if contribution.k is None or contribution.k < site.registry.k:
        errors.append(f"k: is {contribution.k}; this registry suppresses below {site.registry.k}")
    # A stratum's value travels into the combined table's CSV (painpath registry combine).
    for where in ("cells", "withheld_cells"):
        for i, cell in enumerate(body.get(where) or ()):
            for name in ("stratum_column", "stratum"):
                if re.search(ex.FORMULA, str(cell.get(name) or "")):
                    errors.append(f"{where}[{i}].{name}: starts like a spreadsheet formula")
    return errors


def receive_aggregate(
    site: Site,
    contribution: Mapping[str, Any],
    *,
    user: Any = None,
    client: str = "",
    request: HttpRequest | None = None,
) -> UploadResult:
    """Validate an aggregate-only site's contribution and make it the site's current one."""
    body = json.loads(json.dumps(contribution, default=str))
    sha = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    errors = _aggregate_errors(site, body)
    if errors:
        raise _refuse(site, sha, {}, errors, user=user, client=client, request=request)
    with transaction.atomic():
        Site.objects.select_for_update().filter(pk=site.pk).first()
        current = AggregateContribution.objects.filter(site=site).first()
        common = {"site": site, "sha256": sha, "user": _staff(user), "client": client}
        cells = len(body.get("cells", []))
        if current is not None and current.sha256 == sha:
            upload = Upload.objects.create(
                status=Upload.Status.UNCHANGED, counts={"cells": cells}, **common
            )
            record(request, UPLOAD_UNCHANGED, user=user, obj=upload, site=site.code, sha256=sha)
            return UploadResult("unchanged", upload, {"cells": cells})
        AggregateContribution.objects.update_or_create(
            site=site, defaults={"sha256": sha, "body": body}
        )
        upload = Upload.objects.create(
            status=Upload.Status.ACCEPTED, counts={"cells": cells}, **common
        )
        record(
            request, UPLOAD_ACCEPTED, user=user, obj=upload, site=site.code, sha256=sha, cells=cells
        )
    return UploadResult("accepted", upload, {"cells": cells})


# --------------------------------------------------------------------------- reading


def pooled_scores(registry: Registry | None = None) -> pl.DataFrame:
    """All pooled sites' scores as the report's long table: the extract's ``scores`` columns,
    each ``axis_<name>``, and ``clinic`` (the site's code, the column ``painpath report``
    compares clinics by)."""
    rows = PooledScore.objects.order_by("site__code", "patient_id", "instrument", "timepoint")
    if registry is not None:
        rows = rows.filter(site__registry=registry)
    fields = [c for c in SCORES if c != "site"]
    values = list(rows.values_list("site__code", *fields, "axes"))
    axes = sorted({name for *_, found in values for name in found})
    columns: dict[str, list[Any]] = {"site": [v[0] for v in values]}
    for i, name in enumerate(fields, start=1):
        columns[name] = [v[i] for v in values]
    for name in axes:
        columns[f"{AXIS_PREFIX}{name}"] = [v[-1].get(name) for v in values]
    schema = SCORES | {f"{AXIS_PREFIX}{name}": pl.String for name in axes}
    frame = pl.DataFrame(columns, schema=schema)
    return frame.select(list(schema)).with_columns(pl.col("site").alias("clinic"))


def overview(registry: Registry) -> list[dict[str, Any]]:
    """Per site: its last upload of any kind, its last accepted one, and what it holds now."""
    out = []
    for site in registry.sites.select_related("clinic").order_by("code"):
        uploads = Upload.objects.filter(site=site).order_by("-received_at", "-id")
        accepted = uploads.filter(status=Upload.Status.ACCEPTED).first()
        out.append(
            {
                "site": site,
                "last": uploads.first(),
                "accepted": accepted,
                "rows": PooledScore.objects.filter(site=site).count(),
                "persons": PooledScore.objects.filter(site=site)
                .values("person_id")
                .distinct()
                .count(),
                "contribution": AggregateContribution.objects.filter(site=site).first(),
            }
        )
    return out


@dataclass
class Combined:
    k: int
    report: Any  # painpath.analytics.report.Report of the pooled sites, under disclosure control
    combined: Any = None  # aggregate.CombinedTable: every site, pooled and aggregate-only
    pooled_sites: tuple[str, ...] = ()
    aggregate_sites: tuple[str, ...] = ()
    note: str = ""
    withheld: Any = None  # analytics.disclosure.Withheld: who the research cohort left out


def combined_outcome_table(k: int, registry: Registry | None = None) -> Combined:
    """The outcome table over every site, protected with ``k``: the pooled sites' rows
    through the outcome report under disclosure control (``report``, with medians and
    quartiles), and every site together (``combined``): the aggregate-only sites'
    statistics combined with the pooled rows' (:func:`painpath.core.registry.aggregate.
    combine`; the pooled part protected with k first, so that it cannot be recovered by
    subtracting the contributions)."""
    from painpath.analytics import disclosure
    from painpath.analytics.report import Options, build
    from painpath.core.analytics.disclosure import DisclosurePolicy
    from painpath.core.registry.aggregate import ContributionError, combine, parse_contribution

    scores = pooled_scores(registry)
    policy = DisclosurePolicy(k)
    columns = disclosure.research_columns()
    cohort, withheld = disclosure.research_cohort(scores, columns, policy)
    present = tuple(c for c in columns if c in cohort.columns)
    report = None
    if cohort.height:
        report = build(
            analytics.registry_table(cohort), [], Options(), policy=policy, dimensions=present
        )
        report.withheld = withheld
    contributions = AggregateContribution.objects.select_related("site").order_by("site__code")
    if registry is not None:
        contributions = contributions.filter(site__registry=registry)
    bodies = list(contributions)
    combined, note = None, ""
    if bodies:
        try:
            parsed = [parse_contribution(c.body, where=c.site.code) for c in bodies]
            pooled = disclosure.with_bands(scores) if scores.height else None
            combined = combine(parsed, pooled, k=k)
        except ContributionError as error:
            note = str(error)
    sites = Site.objects.all() if registry is None else registry.sites.all()
    return Combined(
        k=k,
        report=report,
        combined=combined,
        pooled_sites=tuple(
            sites.filter(participation=Site.Participation.POOLED).values_list("code", flat=True)
        ),
        aggregate_sites=tuple(c.site.code for c in bodies),
        note=note,
        withheld=withheld,
    )


def status(registry: Registry | None = None) -> list[dict[str, Any]]:
    """What ``painpath registry status`` prints: per registry and site, the last uploads."""
    registries = [registry] if registry is not None else list(Registry.objects.all())
    out = []
    for reg in registries:
        sites = []
        for line in overview(reg):
            last, accepted = line["last"], line["accepted"]
            sites.append(
                {
                    "site": line["site"].code,
                    "participation": line["site"].participation,
                    "clinic": line["site"].clinic.code if line["site"].clinic else None,
                    "last_upload": _upload(last),
                    "last_accepted": _upload(accepted),
                    "score_rows": line["rows"],
                    "persons": line["persons"],
                }
            )
        out.append({"registry": reg.code, "k": reg.k, "date_shift": reg.date_shift, "sites": sites})
    return out


def _upload(upload: Upload | None) -> dict[str, Any] | None:
    if upload is None:
        return None
    when: dt.datetime = upload.received_at
    return {
        "received_at": when.isoformat(),
        "status": upload.status,
        "sha256": upload.sha256,
        "counts": upload.counts,
        "errors": upload.errors[:5],
    }
