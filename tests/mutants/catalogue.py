"""Each fault of the fault suite (issue 5, docs/reliability.md), the protection that handles it, the smallest
edit of `src/bitloot` that removes that protection, and the tests that must then fail."""

from dataclasses import dataclass

CRASHES = "tests/e2e/test_crashes.py::test_a_worker_killed_mid_job_leaves_the_order_fulfilled_exactly_once"
FAULTS = "tests/e2e/test_faults.py"
RECOVERY = "tests/e2e/test_crash_recovery.py"
REPLACE = "tests/unit/use_cases/test_replace_key.py"
CUSTOMER_EMAILS = "tests/unit/use_cases/test_customer_emails.py"
ROLES = "tests/unit/domain/test_operator_roles.py"
CONSOLE_ORDER_PAGE = (
    "tests/http/test_console_orders.py::test_the_order_page_of_a_paid_fulfilled_revealed_refunded_order"
)
CONSOLE_AUDIT_PAGE = (
    "tests/http/test_console_auth.py"
    "::test_the_audit_page_pages_older_records_filters_by_operator_and_masks_addresses_for_support"
)
CONSOLE_REFUND = "tests/http/test_console_orders.py::test_refund_is_for_owners_and_needs_a_reason"
TRACING_CANARY = "tests/http/test_tracing.py::test_no_token_key_or_secret_reaches_a_span"


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
        name="agenda-hides-due-requests",
        fault="the queue flushed after enqueue, while the reconciler's rounds look before they work",
        protection="the reconciler's one-read agenda says a request is owed whenever `due` would list "
        "it, so a round never skips the re-queue",
        path="adapters/persistence/sqla/reconciler_agenda.py",
        edits=(("OwedWork(bool(fulfillments), ", "OwedWork(False, "),),
        tests=(
            "tests/contract/test_reconciler_agenda.py::test_a_fulfilment_request_is_owed_exactly_when_it_is_due",
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
        name="heartbeat",
        fault="worker SIGKILLed while it holds many jobs in flight, with the shipped (short) lease",
        protection="a running job's heartbeat renews its short lease: a live worker keeps its orders "
        "however long a job runs, and a dead one's are taken over within seconds",
        path="application/lease_heartbeat.py",
        edits=(("        while True:\n", "        while False:\n"),),
        tests=(RECOVERY,),
    ),
    Mutant(
        name="email-claim-never-expires",
        fault="worker SIGKILLed after the commit, before sending the email and acknowledging the job",
        protection="the email owed by the commit goes out from another worker once the claim expires",
        path="application/use_cases/send_delivery_emails.py",
        edits=(
            (
                "self._claim(email, self._clock.now() + self._settings.lease)",
                "self._claim(email, self._clock.now() + self._settings.lease * 10_000)",
            ),
            (
                "claim_due_for_orders(order_ids, now, now + self._settings.lease)",
                "claim_due_for_orders(order_ids, now, now + self._settings.lease * 10_000)",
            ),
        ),
        tests=(f"{CRASHES}[KillAfterCommitBeforeAck]",),
    ),
    Mutant(
        name="job-sender-keeps-untried-claims",
        fault="the mail server fails the first of an order's emails the fulfilment job sends",
        protection="the job gives back the claims of the order's emails it did not try, due again at once",
        path="application/use_cases/send_delivery_emails.py",
        edits=(
            ("                    await self._give_back(emails[position + 1 :])", "                    pass"),
        ),
        tests=(
            "tests/unit/use_cases/test_send_delivery_emails.py::"
            "test_the_jobs_sender_stopped_by_a_failure_gives_back_what_it_did_not_try",
            "tests/unit/use_cases/test_send_delivery_emails.py::"
            "test_a_batch_stopped_by_a_failure_gives_back_the_emails_of_every_order_it_did_not_try",
            "tests/http/test_email.py::test_with_the_mail_server_down_the_order_is_fulfilled_and_mailed_once_it_is_back",
        ),
    ),
    Mutant(
        name="batch-save-ignores-a-stale-order",
        fault="two workers' batches claim or complete the same order at once",
        protection="a batch's one-statement save of many orders is refused when any of them is stale",
        path="adapters/persistence/sqla/repositories/orders.py",
        edits=(("        if len(saved) != len(orders):\n", "        if False:\n"),),
        tests=("tests/contract/test_batch_writes.py::test_save_many_refuses_them_all_when_one_is_stale",),
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
        tests=(f"{FAULTS}::test_s3_unreachable_then_back_delays_fulfillment_and_loses_nothing",),
    ),
    Mutant(
        name="s3-calls-unbounded",
        fault="S3 slow: connections accepted, nothing answered, or answers trickled a byte at a time",
        protection="every S3 call has a deadline (a trickled answer never trips a read timeout)",
        path="adapters/storage/s3_settings.py",
        edits=(
            (
                "(self.connect_timeout_seconds + self.read_timeout_seconds) * self.max_attempts + 1",
                "3600.0",
            ),
        ),
        tests=(
            "tests/contract/test_blob_store.py::test_s3_that_stalls_is_unavailable_well_inside_10_seconds",
        ),
    ),
    Mutant(
        name="health-check-unbounded",
        fault="S3 slow: the process frozen (SIGSTOP) while orders are paid",
        protection="each health check answers within its own bound, naming the dependency that is down",
        path="application/use_cases/check_health.py",
        edits=(("await asyncio.wait_for(probe.check(), CHECK_TIMEOUT_SECONDS)", "await probe.check()"),),
        tests=(f"{FAULTS}::test_s3_hanging_then_back_delays_fulfillment_and_loses_nothing",),
    ),
    Mutant(
        name="kinguin-places-without-looking",
        fault="the supplier commits an order and the answer is lost, or the worker dies before recording it",
        protection="Kinguin is asked for the item's order (orderExternalId) before a new one is placed",
        path="adapters/suppliers/kinguin/supplier.py",
        edits=(
            (
                "        remote = await self._client.find_order(request.item_id)",
                "        remote = None",
            ),
        ),
        tests=(
            "tests/unit/adapters/test_kinguin_supplier.py::test_a_worker_killed_between_placing_and_recording_never_places_a_second_order",
            "tests/unit/adapters/test_kinguin_supplier.py::test_an_order_whose_answer_was_lost_is_found_again_not_placed_again",
        ),
    ),
    Mutant(
        name="no-payment-dedupe",
        fault="100 concurrent duplicate IPNs",
        protection="a payment already recorded (same dedupe key) is a duplicate and changes nothing",
        path="adapters/persistence/sqla/repositories/payments.py",
        edits=(
            (
                '        return (await self._execute(_HAS, {"dedupe_key": dedupe_key})).first() is not None',
                "        return False",
            ),
        ),
        tests=(f"{FAULTS}::test_100_concurrent_duplicate_ipns_fulfill_once",),
    ),
    Mutant(
        name="poison-ids-reach-the-driver",
        fault="a poison message on the queue (and the same ids over HTTP)",
        protection="a value the database cannot hold is bad input (4xx, job dropped), not a driver error",
        path="adapters/persistence/sqla/repositories/base.py",
        edits=(
            ("return isinstance(exc, DataError) or str(", "return str("),
            ('.startswith("22")', '.startswith("no such class")'),
        ),
        tests=(
            f"{FAULTS}::test_a_poison_message_on_the_queue_harms_nothing",
            "tests/contract/test_orders.py::test_an_id_the_database_cannot_hold_is_unknown_or_invalid_never_a_driver_error",
        ),
    ),
    Mutant(
        name="fingerprint-uniqueness",
        fault="a key imported twice (a retried import, two imports at once) or delivered again by Kinguin",
        protection="key fingerprints are unique in the database: a key string is taken in at most once",
        path="adapters/persistence/sqla/migrations/versions/0007_key_fingerprints.py",
        edits=(('        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_key_fingerprints")),\n', ""),),
        tests=(
            "tests/contract/test_fingerprints.py::test_two_concurrent_imports_of_one_key_make_one_unit[postgres]",
            "tests/http/test_admin.py::test_a_retried_import_imports_nothing_and_says_every_line_is_in_stock",
            "tests/http/test_kinguin.py::test_a_kinguin_key_the_shop_already_sold_is_held_and_the_operator_sees_why",
        ),
    ),
    Mutant(
        name="simulator-with-a-provider",
        fault="a shop with a NOWPayments key but BITLOOT_ENV left at its default",
        protection="the payment simulator is mounted only when no payment provider is configured",
        path="entrypoints/http/app.py",
        edits=(
            (
                "    return settings.nowpayments is None and not settings.production",
                "    return not settings.production",
            ),
        ),
        tests=(
            "tests/http/test_platform.py::test_simulator_is_absent_whenever_a_payment_provider_is_configured",
        ),
    ),
    Mutant(
        name="order-limit-before-auth",
        fault="a stranger sends wrong-token reveals for an order id they know, from changing addresses",
        protection="the per-order limit counts only requests that proved the order's credential",
        path="application/use_cases/reveal_keys.py",
        edits=(
            (
                "        order_id, channel = await self._authorize(request.credential)\n"
                "        await self._limits.admit(OrderAction.REVEAL, order_id)\n",
                "        if isinstance(request.credential, AccessTokenCredential):\n"
                "            await self._limits.admit(OrderAction.REVEAL, request.credential.order_id)\n"
                "        order_id, channel = await self._authorize(request.credential)\n",
            ),
        ),
        tests=("tests/http/test_limits.py::test_a_stranger_guessing_tokens_cannot_lock_the_owner_out",),
    ),
    Mutant(
        name="nesting-cap",
        fault="JSON nested a few hundred to a thousand levels deep, on every route that reads a body",
        protection="every body passes one nesting cap (64 levels) before any decoder or signature check",
        path="adapters/json_nesting.py",
        edits=(("        raise NestedTooDeeply(limit)", "        pass"),),
        tests=(
            "tests/http/test_request_bodies.py::test_a_deeply_nested_body_is_a_400_writes_nothing_and_logs_no_traceback",
            "tests/property/test_json_nesting_properties.py::test_the_cap_refuses_exactly_what_nests_deeper_than_the_limit",
        ),
    ),
    Mutant(
        name="allocation-takes-withdrawn-units",
        fault="an operator withdraws units while orders are being fulfilled",
        protection="allocation skips withdrawn units, in its pick and in its conditional UPDATE",
        path="adapters/persistence/sqla/repositories/stock.py",
        edits=(
            (
                "            .where(STOCK_KEYS.c.product_id == product_id, *_AVAILABLE)\n"
                "            .order_by(STOCK_KEYS.c.id)",
                "            .where(STOCK_KEYS.c.product_id == product_id, STOCK_KEYS.c.item_id.is_(None))\n"
                "            .order_by(STOCK_KEYS.c.id)",
            ),
            (
                ".where(STOCK_KEYS.c.id.in_(free_ids), *_AVAILABLE)",
                ".where(STOCK_KEYS.c.id.in_(free_ids), STOCK_KEYS.c.item_id.is_(None))",
            ),
            # PostgreSQL's allocation in one statement: its pick and its UPDATE.
            (
                "WHERE product_id = :product_id AND item_id IS NULL AND withdrawn_at IS NULL",
                "WHERE product_id = :product_id AND item_id IS NULL",
            ),
            (
                "WHERE id IN (SELECT id FROM picked) AND item_id IS NULL AND withdrawn_at IS NULL",
                "WHERE id IN (SELECT id FROM picked) AND item_id IS NULL",
            ),
        ),
        tests=(
            "tests/contract/test_stock_care.py::test_allocation_never_hands_out_a_withdrawn_unit",
            "tests/contract/test_stock_care.py::test_a_withdrawal_racing_an_allocation_never_lets_both_take_a_unit",
        ),
    ),
    Mutant(
        name="withdraw-takes-allocated-units",
        fault="an operator withdraws a unit an order is being given at that moment",
        protection="withdrawing is a conditional UPDATE: it takes only units neither allocated nor withdrawn",
        path="adapters/persistence/sqla/repositories/stock.py",
        edits=(
            ("STOCK_KEYS.c.id.in_(list(unit_ids)), *_AVAILABLE)", "STOCK_KEYS.c.id.in_(list(unit_ids)))"),
        ),
        tests=(
            "tests/contract/test_stock_care.py::test_withdraw_takes_only_available_units_of_the_product",
            "tests/contract/test_stock_care.py::test_a_withdrawal_racing_an_allocation_never_lets_both_take_a_unit",
            "tests/contract/test_stock_care.py::test_two_withdrawals_racing_over_the_same_units_take_each_unit_once",
        ),
    ),
    Mutant(
        name="retry-checks-stock-first",
        fault="the operator retries an order whose own-stock product has too few keys",
        protection="the retry checks stock first and refuses with what is missing (409), queueing nothing",
        path="application/use_cases/retry_fulfillment.py",
        edits=(("                if available < needed:", "                if available < 0:"),),
        tests=(
            "tests/http/test_admin.py::test_failed_order_retried_without_new_stock_is_refused_with_the_reason",
            "tests/unit/use_cases/test_retry_fulfillment.py::test_a_retry_without_enough_stock_says_what_is_missing",
        ),
    ),
    Mutant(
        name="console-csrf",
        fault="another site makes a signed-in operator's browser post a console form (CSRF)",
        protection="every POST under /console carries a token bound to its session or sign-in cookie",
        path="entrypoints/http/console/csrf.py",
        edits=(('    if request.method != "POST":\n', '    if request.method != "POST" or True:\n'),),
        tests=(
            "tests/http/test_console_auth.py::test_a_post_without_its_csrf_token_is_refused_and_changes_nothing",
            "tests/http/test_console_auth.py::test_another_sessions_csrf_token_is_refused",
            "tests/browser/test_console_auth.py::test_a_form_sent_without_its_csrf_token_is_refused_and_changes_nothing",
        ),
    ),
    Mutant(
        name="console-session-never-idles",
        fault="a console left open on a shared machine, or a session cookie copied from it",
        protection="a console session ends after the idle limit and, however busy, after the absolute one",
        path="domain/console_sessions.py",
        edits=(
            ("            and now - self.last_seen_at <= limits.idle\n", ""),
            ("            and now - self.created_at <= limits.absolute\n", ""),
        ),
        tests=(
            "tests/http/test_console_auth.py::test_an_idle_session_ends_and_one_in_use_lasts_until_the_absolute_limit",
            "tests/unit/use_cases/test_operators.py::test_a_session_is_touched_at_most_once_a_minute_and_ends_idle",
        ),
    ),
    Mutant(
        name="revoked-key-revealable",
        fault="a customer reveals the keys of an order whose key the operator replaced",
        protection="a revoked key is kept for the audit and never revealed again (docs/vault.md)",
        path="application/use_cases/reveal_keys.py",
        edits=(
            (
                "if not key.is_revoked and (request.item_id is None",
                "if (request.item_id is None",
            ),
        ),
        tests=(
            f"{REPLACE}::test_a_reported_key_is_revoked_replaced_and_the_report_closed",
            "tests/http/test_key_replacement.py::test_a_reported_key_is_replaced_through_the_admin_api",
        ),
    ),
    Mutant(
        name="replacement-second-key-on-rerun",
        fault="a key replacement crashes after its supplier step or its blob put, and runs again",
        protection="the replacement's id keys the supplier step, so a rerun takes the same stock unit",
        path="application/use_cases/replace_key.py",
        edits=(
            (
                "        request = SupplyRequest(replacement.order_id, replacement.id, product, 1)",
                "        request = SupplyRequest(replacement.order_id, new_id(), product, 1)",
            ),
        ),
        tests=(
            f"{REPLACE}::test_a_failure_at_any_step_then_a_rerun_yields_exactly_one_new_key[crash-after-blob-put]",
            "tests/contract/test_key_replacement.py::test_two_replacements_racing_on_one_report_deliver_one_new_key",
        ),
    ),
    Mutant(
        name="resend-without-pending-check",
        fault="the operator presses resend again while the last email still waits to be sent",
        protection="a resend is refused (409) while any email of the order is pending",
        path="application/use_cases/resend_delivery_email.py",
        edits=(
            (
                "        if any(e.status is DeliveryEmailStatus.PENDING for e in emails):\n"
                "            raise Conflict(ALREADY_WAITING)\n",
                "",
            ),
        ),
        tests=(
            "tests/unit/use_cases/test_key_reports_resend_refund.py"
            "::test_a_resend_stages_one_email_and_refuses_while_one_is_pending",
            "tests/http/test_key_replacement.py::test_refusals_are_problems_that_change_nothing",
        ),
    ),
    Mutant(
        name="replacement-lock-ignores-state",
        fault="a rerun reads a replacement as requested, and another run finishes it before the lock",
        protection="the supplier step goes ahead only for a replacement still requested under its lock",
        path="application/use_cases/replace_key.py",
        edits=(
            (
                "        if locked is None or locked.state is not ReplacementState.REQUESTED:\n",
                "        if locked is None:\n",
            ),
        ),
        tests=(
            f"{REPLACE}::test_a_run_that_finds_the_replacement_finished_at_its_lock_takes_no_second_unit",
        ),
    ),
    Mutant(
        name="console-inbox-bad-filter",
        fault="an operator mistypes a date in the webhook inbox's filters, or edits its page cursor",
        protection="the inbox shows its filter form again with the reason and a 400, never a server error",
        path="entrypoints/http/console/webhooks.py",
        edits=(
            (
                "    except Refusal as exc:\n        error = str(exc)\n",
                "    except ZeroDivisionError as exc:\n        error = str(exc)\n",
            ),
        ),
        tests=("tests/http/test_console_webhooks.py::test_a_bad_filter_or_cursor_shows_the_form_with_a_400",),
    ),
    Mutant(
        name="console-support-changes-stock",
        fault="a support operator creates or changes a product, imports or withdraws stock from the console",
        protection="each products-page action asks the operator's role first (the permission it gives act)",
        path="entrypoints/http/console/products.py",
        edits=tuple(
            (f"        Permission.{permission},\n", "        Permission.VIEW,\n")
            for permission in ("CREATE_PRODUCT", "UPDATE_PRODUCT", "IMPORT_STOCK", "WITHDRAW_STOCK")
        ),
        tests=(
            "tests/http/test_console_products.py::test_support_sees_the_pages_but_every_owner_action_is_refused_and_changes_nothing",
        ),
    ),
    Mutant(
        name="console-import-file-unbounded",
        fault="an operator uploads a huge file of keys to the import form",
        protection="the import form reads at most its file limit and refuses a bigger file",
        path="entrypoints/http/console/products_forms.py",
        edits=(
            ("        if len(data) > MAX_UPLOAD_BYTES:\n", "        if len(data) > MAX_UPLOAD_BYTES * 4:\n"),
        ),
        tests=(
            "tests/http/test_console_products.py::test_an_import_without_keys_too_big_or_for_a_kinguin_product_is_refused",
        ),
    ),
    Mutant(
        name="underpaid-email-for-any-partial-payment",
        fault="a partial payment arrives for an order that expired, or was paid, meanwhile",
        protection="only a partial payment that leaves the order underpaid owes the underpaid email",
        path="application/use_cases/apply_payment_notification.py",
        edits=(
            (
                "        and decision.outcome in (PaymentOutcome.APPLIED, PaymentOutcome.NO_CHANGE)\n"
                "        and order.status is OrderStatus.UNDERPAID\n",
                "",
            ),
        ),
        tests=(
            f"{CUSTOMER_EMAILS}::test_a_partial_payment_of_an_expired_order_stages_nothing",
            f"{CUSTOMER_EMAILS}::test_a_partial_payment_of_a_paid_order_and_a_repeated_deposit_stage_nothing",
        ),
    ),
    Mutant(
        name="expiry-email-when-nothing-paid",
        fault="an order expires with nothing paid (the customer never paid, or gave up)",
        protection="only an order that expired with some of its money in owes the expired-part-paid email",
        path="application/use_cases/apply_payment_notification.py",
        edits=(("    return was is OrderStatus.UNDERPAID or arrived\n", "    return True\n"),),
        tests=(
            "tests/unit/use_cases/test_expired_partly_paid_email.py::test_an_expiry_with_nothing_paid_owes_no_email",
            "tests/http/test_expired_partly_paid_email.py::test_an_order_expired_with_nothing_paid_gets_no_email",
        ),
    ),
    Mutant(
        name="failed-email-per-failure",
        fault="the operator retries a failed order and it fails again",
        protection="the failed email's dedupe key names the order: one email however often it fails",
        path="domain/delivery_email.py",
        edits=(
            (
                "dedupe_key=dedupe_key(kind, order_id if cause is None else cause)",
                "dedupe_key=dedupe_key(kind, email_id if cause is None else cause)",
            ),
        ),
        tests=(
            f"{CUSTOMER_EMAILS}::test_a_failed_order_stages_one_failed_email_however_often_it_fails",
            "tests/unit/domain/test_delivery_email_keys.py::test_each_kind_keeps_its_dedupe_key_byte_for_byte",
        ),
    ),
    Mutant(
        name="stale-email-asks-for-payment",
        fault="an order received or underpaid email goes out after the order expired or was paid",
        protection="the payment link is offered only while the email's news still holds",
        path="application/email_composer.py",
        edits=(
            (
                "        asks = email.kind in _ASKS_FOR_PAYMENT and not moved_on\n",
                "        asks = email.kind in _ASKS_FOR_PAYMENT\n",
            ),
        ),
        tests=(
            f"{CUSTOMER_EMAILS}::test_an_order_received_email_sent_after_the_order_expired_asks_for_no_payment",
            f"{CUSTOMER_EMAILS}::test_an_underpaid_email_sent_after_the_order_was_topped_up_asks_for_nothing",
        ),
    ),
    Mutant(
        name="email-html-unescaped",
        fault="a product or shop name holds markup (`<script>`, a forged link)",
        protection="the HTML email templates autoescape every value",
        path="adapters/email/jinja_renderer.py",
        edits=(
            ('enabled_extensions=("html.j2",)', "enabled_extensions=()"),
            ("default=True", "default=False"),
        ),
        tests=(
            "tests/unit/adapters/test_email_renderer.py"
            "::test_html_escapes_every_value_and_the_text_keeps_it_as_written",
            f"{CUSTOMER_EMAILS}::test_every_email_names_the_shop_and_its_support_address_and_escapes_product_names",
        ),
    ),
    Mutant(
        name="console-offers-whatever-the-state",
        fault="an operator presses retry on a fulfilled order, or resend on a failed one",
        protection="the order page offers only the actions its state allows (domain/order_actions.py)",
        path="entrypoints/http/console/order_presenting.py",
        edits=(
            ("    possible = applicable(details.order.status)\n", "    possible = frozenset(OrderAction)\n"),
        ),
        tests=(
            "tests/http/test_console_order_actions.py::test_a_fulfilled_order_offers_resend_replace_and_refund_never_retry",
            "tests/http/test_console_order_actions.py::test_a_failed_order_offers_retry_and_refund_but_no_resend_or_replace",
        ),
    ),
    Mutant(
        name="console-addresses-unmasked",
        fault="a support operator reads where a customer revealed from, or where an operator acted from",
        protection="client addresses are masked for display (203.0.113.x, the /48, or hidden)",
        path="entrypoints/http/console/presenting.py",
        edits=(
            ('        return "hidden"\n', "        return address\n"),
            ('        return ".".join(address.split(".")[:3]) + ".x"\n', "        return address\n"),
            (
                "    return f\"{str(network.network_address).removesuffix('::')}::x\"\n",
                "    return address\n",
            ),
        ),
        tests=(
            "tests/unit/entrypoints/test_console_presenting.py::test_support_sees_where_from_roughly_not_who",
            CONSOLE_ORDER_PAGE,
            CONSOLE_AUDIT_PAGE,
        ),
    ),
    Mutant(
        name="console-audit-ips-for-support",
        fault="a support operator opens the operator audit log",
        protection="the audit log shows client addresses in full only to a role that may see them",
        path="entrypoints/http/console/presenting.py",
        edits=(("    full = console.may(Permission.SEE_CLIENT_IPS)\n", "    full = True\n"),),
        tests=(CONSOLE_AUDIT_PAGE,),
    ),
    Mutant(
        name="console-timeline-ips-for-support",
        fault="a support operator opens an order's timeline (reveals, operator actions)",
        protection="the order's timeline shows client addresses in full only to a role that may see them",
        path="entrypoints/http/console/order_presenting.py",
        edits=(("    full = console.may(Permission.SEE_CLIENT_IPS)\n", "    full = True\n"),),
        tests=(CONSOLE_ORDER_PAGE,),
    ),
    Mutant(
        name="support-sees-client-addresses",
        fault="a support operator reads client addresses in the console",
        protection="the permission table shows client addresses in full to owners only (support: masked)",
        path="domain/operators.py",
        edits=(
            (
                "        Permission.REPLAY_WEBHOOK,\n    }\n)",
                "        Permission.REPLAY_WEBHOOK,\n        Permission.SEE_CLIENT_IPS,\n    }\n)",
            ),
        ),
        tests=(f"{ROLES}::test_the_permission_table", CONSOLE_ORDER_PAGE, CONSOLE_AUDIT_PAGE),
    ),
    Mutant(
        name="support-marks-refunded",
        fault="a support operator marks an order refunded",
        protection="the permission table keeps marking an order refunded for owners",
        path="domain/operators.py",
        edits=(
            (
                "        Permission.REPLAY_WEBHOOK,\n    }\n)",
                "        Permission.REPLAY_WEBHOOK,\n        Permission.MARK_REFUNDED,\n    }\n)",
            ),
        ),
        tests=(f"{ROLES}::test_the_permission_table", CONSOLE_REFUND),
    ),
    Mutant(
        name="console-refund-unchecked",
        fault="a support operator posts the order page's refund form",
        protection="the refund action asks the operator's role first (the permission it passes to act)",
        path="entrypoints/http/console/order_page.py",
        edits=(("        Permission.MARK_REFUNDED,\n", "        Permission.VIEW,\n"),),
        tests=(CONSOLE_REFUND,),
    ),
    Mutant(
        name="console-actions-skip-the-role",
        fault="an operator posts a console form their role may not use (any action)",
        protection="every console action asks the operator's role before it runs (console/actions.py)",
        path="entrypoints/http/console/actions.py",
        edits=(("    console.require(permission)\n", ""),),
        tests=(
            CONSOLE_REFUND,
            "tests/http/test_console_products.py::test_support_sees_the_pages_but_every_owner_action_is_refused_and_changes_nothing",
        ),
    ),
    Mutant(
        name="lookup-sends-on-mismatch",
        fault='someone who knows an order id tries email addresses on "Lost your email?"',
        protection="the order page link is owed only when the address is the order's own",
        path="application/use_cases/send_order_page_link.py",
        edits=(
            (
                "        if not hmac.compare_digest(stored.encode(), wanted.encode()) or order is None:\n",
                "        if order is None:\n",
            ),
        ),
        tests=(
            "tests/unit/use_cases/test_order_page.py::test_a_wrong_address_or_an_unknown_order_owes_nothing_and_answers_the_same",
            "tests/http/test_order_page.py::test_a_lookup_answers_the_same_whether_or_not_the_order_matches",
        ),
    ),
    Mutant(
        name="order-page-csrf",
        fault="another site makes a customer's browser post the order page's fresh-link form",
        protection="the form's CSRF token is bound to the order page link; without it nothing is sent",
        path="entrypoints/http/order_page.py",
        edits=(("        if not csrf.link_ok(token, form.get(FIELD)):\n", "        if False:\n"),),
        tests=("tests/http/test_order_page.py::test_a_fresh_link_form_without_its_token_changes_nothing",),
    ),
    Mutant(
        name="reveal-ticket-reused",
        fault="a customer reloads the keys page, or goes back and forward to it",
        protection="the keys page reveals only while the order's reveal count is its ticket's",
        path="entrypoints/http/delivery.py",
        edits=(
            (
                "            if ticket is None or ticket.reveal_count != summary.order.reveal_count:\n",
                "            if ticket is None:\n",
            ),
            (
                "            result = await steps.reveal("
                "request, token, expected_reveal_count=ticket.reveal_count)\n",
                "            result = await steps.reveal(request, token)\n",
            ),
        ),
        tests=(
            "tests/http/test_delivery_pages.py::test_the_button_reveals_once_and_a_reload_or_the_back_button_never_again",
        ),
    ),
    Mutant(
        name="reveal-ticket-race",
        fault="two requests on one keys-page ticket at once (a double click, a prefetch)",
        protection="the reveal compares the ticket's reveal count in its own transaction",
        path="application/use_cases/reveal_keys.py",
        edits=(
            (
                "        if request.expected_reveal_count not in (None, order.reveal_count):\n",
                "        if False:\n",
            ),
        ),
        tests=(
            "tests/unit/use_cases/test_delivery_link_pages.py::test_a_reveal_allowed_at_a_count_happens_once",
            "tests/http/test_delivery_pages.py::test_two_requests_on_one_ticket_reveal_once",
        ),
    ),
    Mutant(
        name="reveal-ticket-unsigned",
        fault="a keys-page ticket made up, altered, of another link, or kept past its two minutes",
        protection="a ticket is an HMAC over its link, reveal count and expiry, and expires",
        path="entrypoints/http/reveal_tickets.py",
        edits=(
            (
                "        if not hmac.compare_digest(parts[3], self._sign(link_token, count, expires)):\n",
                "        if False:\n",
            ),
            ("        if now.timestamp() >= expires:\n", "        if False:\n"),
        ),
        tests=(
            "tests/unit/entrypoints/test_reveal_tickets.py",
            "tests/http/test_delivery_pages.py::test_a_ticket_lasts_two_minutes_and_belongs_to_its_link",
        ),
    ),
    Mutant(
        name="delivery-forms-without-csrf",
        fault="another site makes a customer's browser post a delivery page's form",
        protection="each form's token is an HMAC of the page's link, checked before anything is done",
        path="entrypoints/http/customer_csrf.py",
        edits=(
            (
                "        return isinstance(sent, str) and hmac.compare_digest("
                "sent, self.for_link(link_token))\n",
                "        return True\n",
            ),
        ),
        tests=(
            "tests/http/test_delivery_pages.py::test_forms_without_their_pages_token_are_refused_and_change_nothing",
        ),
    ),
    Mutant(
        name="request-id-from-anyone",
        fault="a client sends an X-Request-ID of its choosing, to collide with or mislead the shop's logs",
        protection="a request's id is taken only from a trusted proxy, else generated",
        path="entrypoints/logs/request_ids.py",
        edits=(
            (
                "    if from_trusted_proxy and offered is not None and is_sane(offered):\n",
                "    if offered is not None and is_sane(offered):\n",
            ),
        ),
        tests=(
            "tests/unit/entrypoints/test_request_ids.py::test_an_id_from_anyone_else_is_replaced",
            "tests/http/test_request_logs.py::test_anyone_else_s_request_id_is_replaced",
        ),
    ),
    Mutant(
        name="access-log-raw-path",
        fault="a delivery link's token, in the path of the request that follows it, reaches the access log "
        "or a metrics label (a made-up URL, too)",
        protection="the request observer resolves a request's route once, by its template, never its path, "
        "else `unmatched`, for the access line and the metrics alike",
        path="entrypoints/http/request_observer.py",
        edits=(('    return scope.get("path_template") or UNMATCHED\n', '    return scope["path"]\n'),),
        tests=(
            "tests/http/test_request_logs.py::test_every_answer_has_an_id_and_one_access_line_by_route_template",
            "tests/http/test_metrics.py::test_requests_are_labelled_by_route_template_never_by_the_path_sent",
        ),
    ),
    Mutant(
        name="requeue-forgets-the-request",
        fault="the broker is down when the IPN pays an order: the job the reconciler sends later logs "
        "under no request id, so the order's worker lines no longer lead back to the IPN",
        protection="the outbox keeps the request id (and traceparent) of the request that opened it, "
        "and the reconciler's re-queued job carries them",
        path="application/use_cases/reconcile_fulfillments.py",
        edits=(
            (
                "            context = contexts.get(order_id, NO_REQUEST)\n",
                "            context = NO_REQUEST\n",
            ),
        ),
        tests=(
            "tests/unit/use_cases/test_receive_payment_webhook.py"
            "::test_a_job_re_queued_after_an_outage_carries_the_request_id_of_the_ipn",
            "tests/e2e/test_outages.py"
            "::test_an_ipn_while_redis_is_down_is_answered_and_fulfilled_once_redis_is_back",
        ),
    ),
    Mutant(
        name="stock-gauge-of-a-removed-product-kept",
        fault="a product removed from the catalog keeps showing its last stock (and a low-stock alert) "
        "until the API restarts",
        protection="the stock gauges show exactly the SKUs of the latest figures, in every process",
        path="adapters/metrics/stock_gauges.py",
        edits=(
            ("        self._latest = tuple(stock)\n", "        self._latest = (*self._latest, *stock)\n"),
        ),
        tests=(
            "tests/unit/adapters/test_prometheus_metrics.py"
            "::test_a_product_gone_from_the_figures_loses_its_stock_gauges_at_the_next_refresh",
            "tests/unit/adapters/test_prometheus_metrics.py"
            "::test_processes_sharing_a_folder_all_show_the_reader_s_latest_skus",
        ),
    ),
    Mutant(
        name="error-log-raw-path",
        fault="a request that fails unexpectedly on a delivery link's path logs the path, token and all",
        protection="the unexpected error's line names the route by its template",
        path="entrypoints/http/problems.py",
        edits=(
            (
                "    route = route_of(request.scope)\n",
                "    route = request.url.path\n",
            ),
        ),
        tests=(
            "tests/http/test_request_logs.py"
            "::test_an_unexpected_error_is_answered_with_the_id_and_logged_under_it_by_route",
        ),
    ),
    Mutant(
        name="metrics-labels-unbounded",
        fault="an outcome, method or limit name outside its set grows a label without bound",
        protection="every label value is checked against its fixed set where labels are written",
        path="adapters/metrics/prometheus.py",
        edits=(("    return value if value in known else OTHER\n", "    return value\n"),),
        tests=(
            "tests/unit/adapters/test_prometheus_metrics.py::test_a_value_outside_its_label_set_is_recorded_as_other",
        ),
    ),
    Mutant(
        name="metrics-token-unchecked",
        fault="anyone scrapes the API's /metrics though the shop set a metrics token",
        protection="with BITLOOT_METRICS_TOKEN set, /metrics answers only its bearer",
        path="entrypoints/http/metrics.py",
        edits=(("    if token is None:\n", "    if True:\n"),),
        tests=("tests/http/test_metrics.py::test_with_a_token_only_a_scraper_that_sends_it_is_answered",),
    ),
    Mutant(
        name="metrics-folder-kept",
        fault="`bitloot serve` restarts on the folder of an earlier run: its files are added in again",
        protection="the shared metrics folder is emptied of metrics files at each start",
        path="entrypoints/metrics_dir.py",
        edits=(("            stale.unlink()\n", "            pass\n"),),
        tests=("tests/http/test_metrics_processes.py::test_two_granian_workers_add_up_in_one_scrape",),
    ),
    Mutant(
        name="span-keeps-the-path",
        fault="a request's raw path or query (a delivery or order page token) reaches its trace span",
        protection="each span attribute holding the path, query or URL is overwritten: with UNROUTED "
        "as the span starts, with the route template once the request is routed",
        path="entrypoints/tracing/http_spans.py",
        edits=(("        if key in present:\n", "        if False:\n"),),
        tests=(TRACING_CANARY,),
    ),
    Mutant(
        name="span-named-by-path",
        fault="a request no route takes names its span by its raw path (a token in it)",
        protection="a span starts named by the method alone; only the route template renames it",
        path="entrypoints/tracing/http_spans.py",
        edits=(
            (
                '    return str(scope.get("method") or "HTTP"), {}\n',
                "    return f\"{scope.get('method')} {scope.get('path')}\", {}\n",
            ),
        ),
        tests=(TRACING_CANARY,),
    ),
    Mutant(
        name="worker-ends-with-redis",
        fault="Redis goes away for longer than redis-py's retries, and comes back without its data",
        protection="a worker's stream listener logs the lost connection and reads again, after declaring "
        "the consumer group again, instead of ending the worker",
        path="adapters/queue/reconnecting_stream_broker.py",
        edits=(
            (
                "                batch = await self._read_batch()\n            except Exception as error:\n"
                "                if not _lost(error):",
                "                batch = await self._read_batch()\n            except Exception as error:\n"
                "                if True:",
            ),
        ),
        tests=(
            "tests/contract/test_queue_redis_outage.py",
            "tests/e2e/test_observability.py::test_the_outbox_gauge_rises_while_redis_is_down_and_falls_once_it_is_back",
        ),
    ),
    Mutant(
        name="status-read-keeps-dead-connections",
        fault="PostgreSQL restarts: every connection of the API's pool is dead",
        protection="a status read on asyncpg that finds its connection broken renews the whole pool, as "
        "SQLAlchemy does: it fails once, and the next reads run on new connections",
        path="adapters/persistence/sqla/driver_reads.py",
        edits=(
            (
                "            self._engine.sync_engine.pool._invalidate(pooled, error)",
                "            pooled.invalidate(error)",
            ),
        ),
        tests=(
            "tests/contract/test_order_progress_postgres.py"
            "::test_after_the_servers_sessions_end_a_read_fails_once_then_reads_on_new_ones",
        ),
    ),
)
