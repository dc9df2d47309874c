"""The registry's FHIR R4 side (issue 16): a pooled extract exported as a Bundle or as NDJSON
files per resource type, and QuestionnaireResponses imported, checked against painpath's
Questionnaires and scored into the extract's ``answers`` and ``scores`` tables.

:mod:`painpath.core.fhir.export` says what each table becomes, :mod:`painpath.core.fhir.import_`
what a response must satisfy. ``fhir.resources`` (R4B) validates every resource; it is imported
only when a resource is checked.
"""

from __future__ import annotations

from painpath.core.fhir.common import FhirError, terminology
from painpath.core.fhir.export import (
    RESOURCE_TYPES,
    BundleType,
    ExtractTables,
    resources,
    to_bundle,
    write_ndjson,
)
from painpath.core.fhir.import_ import (
    BundleError,
    Imported,
    Problem,
    import_bundle,
    import_ndjson,
    import_resources,
)

__all__ = [
    "RESOURCE_TYPES",
    "BundleError",
    "BundleType",
    "ExtractTables",
    "FhirError",
    "Imported",
    "Problem",
    "import_bundle",
    "import_ndjson",
    "import_resources",
    "resources",
    "terminology",
    "to_bundle",
    "write_ndjson",
]
