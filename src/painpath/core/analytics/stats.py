"""Confidence intervals for the outcome table.

- Mean change: the t interval, mean ± t(0.975, n − 1) · SD / √n (paired complete cases).
- Shares: the Wilson score interval (Wilson EB. Probable inference, the law of succession,
  and statistical inference. J Am Stat Assoc 1927;22:209–12), recommended over the Wald
  interval for small samples and shares near 0 or 1 (Brown LD, Cai TT, DasGupta A. Interval
  estimation for a binomial proportion. Stat Sci 2001;16:101–33).
"""

from __future__ import annotations

import math

from scipy import stats  # type: ignore[import-untyped]

Z_95 = 1.959963984540054  # the 0.975 quantile of the standard normal


def t_interval(mean: float | None, sd: float | None, n: int) -> tuple[float, float] | None:
    """95 % CI of a mean from its SD and n; None when n < 2 (no spread to estimate)."""
    if mean is None or sd is None or n < 2:
        return None
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def wilson_interval(k: int, n: int) -> tuple[float, float] | None:
    """95 % Wilson score interval for k successes out of n; None when n ≤ 0.

    A share is 0 to 1: k below 0 or above n (only a table with a patient counted twice can
    give one; :func:`painpath.core.analytics.inputs.check_scores` refuses such tables) is
    taken as 0 or n, never a square root of a negative number."""
    if n <= 0:
        return None
    p = min(max(k / n, 0.0), 1.0)
    z2 = Z_95 * Z_95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


Z_998 = 3.090232306167813  # the 0.999 quantile: two-sided 99.8 % limits


def funnel_limits(p0: float, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """Control limits of a funnel plot for a share: p0 ± z·√(p0(1 − p0)/n), clipped to
    0–1 (Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185–202; normal approximation to the binomial). ``z`` = 1.96 gives the 95 %
    limits, :data:`Z_998` the 99.8 % ones. None when n = 0."""
    if n <= 0:
        return None
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return (max(0.0, p0 - half), min(1.0, p0 + half))
