"""Each fault of the fault suite (issue 5, SPEC §9), the protection that handles it, the smallest
edit of `src/bitloot` that removes that protection, and the tests that must then fail."""

from dataclasses import dataclass

CRASHES = "tests/e2e/test_crashes.py::test_a_worker_killed_mid_job_leaves_the_order_fulfilled_exactly_once"
FAULTS = "tests/e2e/test_faults.py"


@dataclass(frozen=True, slots=True)
class Mutant:
    name: str
    fault: str
    protection: str
    # A file under src/bitloot, and (old, new) text replacements; each `old` occurs there exactly once.
    path: str
    edits: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        name="no-requeue",
        fault="worker SIGKILLed before the supplier step; the queue flushed after enqueue",
        protection="the reconciler re-queues every fulfilment request left untouched past the grace period",
        path="application/use_cases/reconcile_fulfillments.py",
        edits=(("        for order_id in due:", "        for order_id in due[:0]:"),),
        tests=(
            f"{CRASHES}[KillBeforeSupplier]",
            f"{FAULTS}::test_the_queue_flushed_after_enqueue_loses_no_order",
        ),
    ),
    Mutant(
        name="lease-never-expires",
        fault="worker SIGKILLed between writing a sealed blob and the commit",
        protection="an expired lease can be taken over by another worker",
        path="domain/order.py",
        edits=(("                and self.lease_expires_at > now\n", ""),),
        tests=(f"{CRASHES}[KillBetweenSealAndCommit]",),
    ),
    Mutant(
        name="email-claim-never-expires",
        fault="worker SIGKILLed after the commit, before sending the email and acknowledging the job",
        protection="the email owed by the commit goes out from another worker once the claim expires",
        path="application/use_cases/send_notifications.py",
        edits=(
            (
                "        until = self._clock.now() + self._settings.lease",
                "        until = self._clock.now() + self._settings.lease * 10_000",
            ),
        ),
        tests=(f"{CRASHES}[KillAfterCommitBeforeAck]",),
    ),
    Mutant(
        name="reconciler-dies-on-outage",
        fault="PostgreSQL restarted mid-flight",
        protection="the reconciler survives a failed round and tries again the next one",
        path="entrypoints/reconciler.py",
        edits=(
            (
                "except Exception:  # the database or broker may be down",
                "except ZeroDivisionError:  # the database or broker may be down",
            ),
        ),
        tests=(
            "tests/e2e/test_outages.py::test_postgres_restarted_under_load_the_service_recovers_by_itself",
            "tests/e2e/test_outages.py::test_jobs_that_failed_while_postgres_was_down_are_redone_once_it_is_back",
        ),
    ),
    Mutant(
        name="storage-outage-fails-the-order",
        fault="S3 unreachable (connections refused) or frozen",
        protection="a storage outage delays the order (retry after the lease) instead of failing it",
        path="application/use_cases/fulfill_order.py",
        edits=(
            (
                "        except (SupplierUnavailable, StorageUnavailable) as exc:",
                "        except StorageUnavailable as exc:\n"
                "            return await self._fail(order, str(exc))\n"
                "        except SupplierUnavailable as exc:",
            ),
        ),
        tests=(f"{FAULTS}::test_s3_unreachable_then_back_delays_fulfilment_and_loses_nothing",),
    ),
    Mutant(
        name="s3-calls-unbounded",
        fault="S3 slow: connections accepted, nothing answered",
        protection="every S3 call has a deadline (botocore's timeouts alone leave an upload hanging)",
        path="adapters/storage/s3.py",
        edits=(
            (
                "(self.connect_timeout_seconds + self.read_timeout_seconds) * self.max_attempts + 1",
                "3600.0",
            ),
        ),
        tests=(
            "tests/contract/test_blob_store.py::test_s3_that_never_answers_is_unavailable_within_its_timeouts",
        ),
    ),
    Mutant(
        name="health-check-unbounded",
        fault="S3 slow: the process frozen (SIGSTOP) while orders are paid",
        protection="each health check answers within its own bound, naming the dependency that is down",
        path="application/use_cases/check_health.py",
        edits=(("await asyncio.wait_for(probe.check(), CHECK_TIMEOUT_SECONDS)", "await probe.check()"),),
        tests=(f"{FAULTS}::test_s3_hanging_then_back_delays_fulfilment_and_loses_nothing",),
    ),
    Mutant(
        name="kinguin-places-without-looking",
        fault="the supplier commits an order and the answer is lost, or the worker dies before recording it",
        protection="Kinguin is asked for the item's order (orderExternalId) before a new one is placed",
        path="adapters/suppliers/kinguin.py",
        edits=(
            (
                "        remote = await self._client.find_order(request.item_id)",
                "        remote = None",
            ),
        ),
        tests=(
            "tests/unit/test_kinguin_supplier.py::test_a_worker_killed_between_placing_and_recording_never_places_a_second_order",
            "tests/unit/test_kinguin_supplier.py::test_an_order_whose_answer_was_lost_is_found_again_not_placed_again",
        ),
    ),
    Mutant(
        name="no-payment-dedupe",
        fault="100 concurrent duplicate IPNs",
        protection="a payment already recorded (same dedupe key) is a duplicate and changes nothing",
        path="adapters/persistence/sqla/records.py",
        edits=(
            (
                "        return (await self._execute(query)).first() is not None",
                "        return False",
            ),
        ),
        tests=(f"{FAULTS}::test_100_concurrent_duplicate_ipns_fulfil_once",),
    ),
    Mutant(
        name="poison-ids-reach-the-driver",
        fault="a poison message on the queue (and the same ids over HTTP)",
        protection="a value the database cannot hold is bad input (4xx, job dropped), not a driver error",
        path="adapters/persistence/sqla/base.py",
        edits=(
            ("return isinstance(exc, DataError) or str(", "return str("),
            ('.startswith("22")', '.startswith("no such class")'),
        ),
        tests=(
            f"{FAULTS}::test_a_poison_message_on_the_queue_harms_nothing",
            "tests/contract/test_orders.py::test_an_id_the_database_cannot_hold_is_unknown_or_invalid_never_a_driver_error",
        ),
    ),
)
