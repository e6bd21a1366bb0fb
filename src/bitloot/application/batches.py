"""Work done in batches, one transaction each (key rotation and purge): a run that stops anywhere is
finished by the next one."""

from bitloot.domain.errors import InvalidValue

DEFAULT_BATCH_SIZE = 200


def check_batch(batch_size: int, max_batches: int | None) -> None:
    """Refuse a batch size or a number of batches below 1 (None: as many batches as it takes)."""
    if batch_size < 1 or (max_batches is not None and max_batches < 1):
        raise InvalidValue("The batch size and the number of batches are at least 1.")
