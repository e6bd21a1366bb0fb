"""What a `bitloot serve` worker or a `bitloot worker` built at start is moved out of the garbage
collector's walks (`gc.freeze`): modules, the app, the container and its clients live as long as the
process, yet each full collection walked all of them again, and collections came every few requests
(a profile of the API under IPNs spent a tenth of its time in them). Only where the process is
the service's own: an app a test builds in its process leaves it, and what it froze would never be
collected."""

import gc


def freeze_startup_heap() -> None:
    """Collect what start-up left behind, then freeze what is still alive."""
    gc.collect()
    gc.freeze()
