"""Hypothesis settings for the property tests: bounded, so the whole folder runs in well under a minute.

`HYPOTHESIS_PROFILE=deep` explores many more examples when hunting for a bug by hand."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "bitloot",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=False,
    print_blob=True,
)
settings.register_profile("deep", parent=settings.get_profile("bitloot"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bitloot"))
