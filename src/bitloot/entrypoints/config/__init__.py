"""Configuration from `BITLOOT_*` environment variables, validated once at start.

- `loader`: `load_settings`, reading the environment into `Settings` (`settings`);
- `environment`: the reader that notes every problem so all are reported at once, and its URL check;
- `services`: S3, NOWPayments, SMTP and Kinguin, each optional;
- `tuning`: timings and sizes, grouped by the part that reads them (worker, reconciler, database,
  email, rate limits);
- `secret_settings`, `strength`, `dev_secrets`: the secrets, production's refusal of guessable ones,
  and the `secrets.json` generated for development shops;
- `data_dir`: the owner-only embedded data folder.
"""

from bitloot.entrypoints.config.environment import ConfigurationError
from bitloot.entrypoints.config.loader import load_settings
from bitloot.entrypoints.config.settings import Secrets, Settings
from bitloot.entrypoints.config.tuning import RateLimits, Tuning

__all__ = ["ConfigurationError", "RateLimits", "Secrets", "Settings", "Tuning", "load_settings"]
