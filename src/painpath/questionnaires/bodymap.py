"""The body map: the episode schema's region codes, which of them have a side, and the
shapes that draw them on a front and a back view.

The checkboxes are the form; the SVG only mirrors them. Region codes and laterality are the
episode schema's (``core/data/schemas/episode.schema.json``). The low back is drawn and
described as the area between the twelfth ribs and the gluteal folds (Dionne CE, Dunn KM,
Croft PR, et al. A consensus approach toward the standardization of back pain definitions
for use in prevalence studies. Spine 2008;33:95–103); the neck as the area from the
superior nuchal line to the first thoracic spinous process (Guzman J, Hurwitz EL, Carroll LJ,
et al. A new conceptual model of neck pain: Bone and Joint Decade 2000–2010 Task Force on
Neck Pain. Spine 2008;33(4 Suppl):S14–23).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Region:
    code: str
    label: Promise
    lateral: bool
    hint: Promise | str = ""


@dataclass(frozen=True)
class Group:
    label: Promise
    regions: tuple[Region, ...]


GROUPS: tuple[Group, ...] = (
    Group(
        _("Head, neck and trunk"),
        (
            Region("head", _("Head"), False),
            Region("jaw", _("Jaw"), True),
            Region(
                "neck",
                _("Neck"),
                False,
                _("From the base of the skull down to the top of the shoulder blades."),
            ),
            Region("chest", _("Chest"), False),
            Region("abdomen", _("Stomach"), False),
            Region("upper_back", _("Upper back"), False, _("Between the shoulder blades.")),
            Region(
                "low_back",
                _("Lower back"),
                False,
                _("From the lowest ribs down to the creases of the buttocks."),
            ),
        ),
    ),
    Group(
        _("Shoulders and arms"),
        (
            Region("shoulder", _("Shoulder"), True),
            Region("upper_arm", _("Upper arm"), True),
            Region("elbow", _("Elbow"), True),
            Region("forearm", _("Forearm"), True),
            Region("wrist_hand", _("Wrist and hand"), True),
        ),
    ),
    Group(
        _("Hips and legs"),
        (
            Region("hip", _("Hip"), True),
            Region("buttock", _("Buttock"), True),
            Region("thigh", _("Thigh"), True),
            Region("knee", _("Knee"), True),
            Region("lower_leg", _("Lower leg"), True),
            Region("ankle_foot", _("Ankle and foot"), True),
        ),
    ),
)

REGIONS: dict[str, Region] = {region.code: region for g in GROUPS for region in g.regions}
SIDES = {"left": pgettext_lazy("body side", "Left"), "right": pgettext_lazy("body side", "Right")}


def values() -> list[str]:
    """Every checkbox value: ``code`` for a midline region, ``code:left``/``code:right``."""
    result = []
    for region in REGIONS.values():
        if region.lateral:
            result += [f"{region.code}:left", f"{region.code}:right"]
        else:
            result.append(region.code)
    return result


def label(value: str) -> str:
    code, _sep, side = value.partition(":")
    name = str(REGIONS[code].label)
    return (
        _("%(region)s, %(side)s") % {"region": name, "side": str(SIDES[side]).lower()}
        if side
        else name
    )


def pain_regions(selected: list[str]) -> list[dict[str, str]]:
    """The episode schema's ``pain_regions``: left and right of one region become
    ``bilateral``; a region without a side is ``midline``."""
    sides: dict[str, set[str]] = {}
    for value in selected:
        code, _sep, side = value.partition(":")
        sides.setdefault(code, set()).add(side or "midline")
    result = []
    for code in REGIONS:  # body-map order, not click order
        if code not in sides:
            continue
        chosen = sides[code]
        laterality = "bilateral" if {"left", "right"} <= chosen else next(iter(chosen))
        result.append({"region": code, "laterality": laterality})
    return result


# -- drawing ---------------------------------------------------------------------------------
# Shapes in a 160 × 360 viewBox, drawn for the FRONT view as seen by someone facing the
# patient: the patient's right side is on the viewer's left. The back view mirrors the
# lateral shapes (the patient's left is on the viewer's left) and swaps the trunk.

Shape = tuple[str, dict[str, float]]  # ("rect"|"ellipse", attributes)

_LATERAL_FRONT: dict[str, Shape] = {
    # shapes of the patient's RIGHT side on the front view (viewer's left)
    "jaw": ("ellipse", {"cx": 71, "cy": 42, "rx": 6, "ry": 5}),
    "shoulder": ("ellipse", {"cx": 50, "cy": 72, "rx": 13, "ry": 10}),
    "upper_arm": ("rect", {"x": 36, "y": 82, "width": 15, "height": 42, "rx": 6}),
    "elbow": ("ellipse", {"cx": 42, "cy": 131, "rx": 9, "ry": 7}),
    "forearm": ("rect", {"x": 31, "y": 139, "width": 14, "height": 40, "rx": 6}),
    "wrist_hand": ("ellipse", {"cx": 36, "cy": 193, "rx": 9, "ry": 13}),
    "hip": ("ellipse", {"cx": 65, "cy": 160, "rx": 10, "ry": 9}),
    "thigh": ("rect", {"x": 57, "y": 171, "width": 21, "height": 60, "rx": 8}),
    "knee": ("ellipse", {"cx": 67, "cy": 242, "rx": 10, "ry": 10}),
    "lower_leg": ("rect", {"x": 59, "y": 254, "width": 16, "height": 60, "rx": 7}),
    "ankle_foot": ("ellipse", {"cx": 66, "cy": 327, "rx": 11, "ry": 10}),
}
_LATERAL_BACK: dict[str, Shape] = {
    # shapes of the patient's LEFT side on the back view (viewer's left)
    **{code: shape for code, shape in _LATERAL_FRONT.items() if code not in ("jaw", "hip")},
    "buttock": ("ellipse", {"cx": 68, "cy": 161, "rx": 12, "ry": 11}),
}
_MIDLINE_FRONT: dict[str, Shape] = {
    "head": ("ellipse", {"cx": 80, "cy": 27, "rx": 17, "ry": 21}),
    "neck": ("rect", {"x": 71, "y": 50, "width": 18, "height": 13, "rx": 3}),
    "chest": ("rect", {"x": 60, "y": 65, "width": 40, "height": 45, "rx": 8}),
    "abdomen": ("rect", {"x": 60, "y": 112, "width": 40, "height": 38, "rx": 8}),
}
_MIDLINE_BACK: dict[str, Shape] = {
    "head": _MIDLINE_FRONT["head"],
    "neck": _MIDLINE_FRONT["neck"],
    "upper_back": ("rect", {"x": 60, "y": 65, "width": 40, "height": 50, "rx": 8}),
    "low_back": ("rect", {"x": 60, "y": 117, "width": 40, "height": 33, "rx": 6}),
}


def _mirror(shape: Shape) -> Shape:
    kind, attrs = shape
    attrs = dict(attrs)
    if kind == "ellipse":
        attrs["cx"] = 160 - attrs["cx"]
    else:
        attrs["x"] = 160 - attrs["x"] - attrs["width"]
    return kind, attrs


@dataclass(frozen=True)
class DrawnShape:
    value: str
    kind: str
    attrs: dict[str, float]
    selected: bool


def view(which: str, selected: set[str]) -> list[DrawnShape]:
    """The shapes of the ``front`` or ``back`` view, each tied to its checkbox value."""
    shapes: list[tuple[str, Shape]] = []
    midline, lateral = (
        (_MIDLINE_FRONT, _LATERAL_FRONT) if which == "front" else (_MIDLINE_BACK, _LATERAL_BACK)
    )
    near, far = ("right", "left") if which == "front" else ("left", "right")
    shapes += list(midline.items())
    for code, shape in lateral.items():
        shapes.append((f"{code}:{near}", shape))
        shapes.append((f"{code}:{far}", _mirror(shape)))
    # jaw after the head, so that it is drawn on top of it
    shapes.sort(key=lambda pair: pair[0].startswith("jaw"))
    return [DrawnShape(value, kind, attrs, value in selected) for value, (kind, attrs) in shapes]


def checklist(selected: set[str]) -> list[dict[str, object]]:
    """The checkboxes, grouped as on the page: one row per region, a box per side."""
    groups = []
    for group in GROUPS:
        rows = []
        for region in group.regions:
            sides = ("left", "right") if region.lateral else ("",)
            boxes = []
            for side in sides:
                value = f"{region.code}:{side}" if side else region.code
                boxes.append(
                    {
                        "value": value,
                        "id": "id_regions_" + value.replace(":", "_"),
                        "side": SIDES[side] if side else "",
                        "checked": value in selected,
                    }
                )
            rows.append({"region": region, "boxes": boxes})
        groups.append({"label": group.label, "rows": rows})
    return groups
