"""Classify 10,000 generated, schema-valid episodes with every shipped rule set.

Times validation + derivation + every axis (best of 3), in one process on one core, and
reports episodes per second. The first run starts with empty condition caches, so the
best-of-3 figure is the warm figure: conditions are cached on the values of the inputs
they read (see ``painpath.core.rules.evaluate``). The cold (first-run) figure is printed too.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from painpath.core.rules import builtin_rulesets, classify, validate_episode

EPISODES = 10_000
REPEATS = 3
AS_OF = dt.date(2025, 1, 1)
REGIONS = ["neck", "shoulder", "low_back", "hip", "knee", "upper_back", "thigh", "buttock"]
CAUSES = ["osteoarthritis", "disc_herniation", "whiplash", "rheumatoid_arthritis", "poor_posture"]


def _date(rng: random.Random, back_days: int) -> str:
    return (AS_OF - dt.timedelta(days=rng.randint(0, back_days))).isoformat()


def make_episode(rng: random.Random) -> dict[str, Any]:
    episode: dict[str, Any] = {
        "age": rng.randint(18, 90),
        "sex": rng.choice(["female", "male"]),
        "onset_date": _date(rng, 3650),
        "pattern": rng.choice(["constant", "recurring"]),
        "pain_regions": [
            {"region": r, "laterality": rng.choice(["left", "right", "bilateral", "midline"])}
            for r in rng.sample(REGIONS, rng.randint(1, 4))
        ],
        "diagnoses": [{"code": c} for c in rng.sample(CAUSES, rng.randint(0, 2))],
        "trauma": [{"kind": "whiplash", "date": _date(rng, 2000)}] if rng.random() < 0.2 else [],
        "red_flags": {"saddle_anaesthesia": rng.random() < 0.02, "history_of_cancer": False},
        "sensory_findings": {
            "nerve_lesion_history": rng.random() < 0.3,
            "plausible_distribution": rng.random() < 0.5,
            "sensory_signs_in_distribution": rng.random() < 0.5,
        },
        "questionnaires": {
            "startback": {
                "total": (t := rng.randint(0, 9)),
                "psychosocial": min(t, rng.randint(0, 5)),
            },
            "orebro_short": {"score": rng.randint(0, 100)},
        },
    }
    if rng.random() < 0.5:
        sessions = [
            {
                "date": (AS_OF - dt.timedelta(days=7 * (6 - i))).isoformat(),
                "pain_before": rng.randint(3, 9),
                "pain_after": rng.randint(1, 9),
            }
            for i in range(rng.randint(1, 6))
        ]
        episode["treatment_courses"] = [
            {
                "modality": rng.choice(["massage", "exercise_therapy"]),
                "start": sessions[0]["date"],
                "sessions": sessions,
            }
        ]
    if rng.random() < 0.3:
        episode["procedure"] = {
            "kind": "gold_implantation",
            "region": "knee",
            "appointment_date": (AS_OF + dt.timedelta(days=rng.randint(1, 60))).isoformat(),
        }
        episode["imaging"] = [{"kind": "xray", "region": "knee", "date": _date(rng, 1200)}]
        episode["medications"] = [{"code": "apixaban", "pause_agreed_days": rng.randint(0, 4)}]
        episode["readiness"] = [
            {"item": "appointment_booked", "state": "done"},
            {"item": "companion_arranged", "state": rng.choice(["done", "pending"])},
        ]
    return episode


def run_once(episodes: list[dict[str, Any]]) -> float:
    rulesets = list(builtin_rulesets().values())
    start = time.perf_counter()
    for episode in episodes:
        classify(validate_episode(episode), as_of=AS_OF, rulesets=rulesets)
    return time.perf_counter() - start


def main() -> None:
    rng = random.Random(20250101)
    episodes = [make_episode(rng) for _ in range(EPISODES)]
    builtin_rulesets()
    times = [run_once(episodes) for _ in range(REPEATS)]
    n_rules = sum(len(rs.rules) for rs in builtin_rulesets().values())
    print(
        f"classify: {EPISODES:,} episodes × {len(builtin_rulesets())} rule sets ({n_rules} rules)"
    )
    print(f"  cold (first run): {EPISODES / times[0]:,.0f} episodes/s")
    print(f"  best of {REPEATS}:        {EPISODES / min(times):,.0f} episodes/s")


if __name__ == "__main__":
    main()
