"""What an administrator may tune, as system parameters (Settings > Technical >
System Parameters); without one, the default below applies. README's
“Operations” section lists them."""

import logging

_logger = logging.getLogger(__name__)

# key: (default, what it is)
PARAMS = {
    # customers (mails) handled per call of the daily job; the cron calls again while work remains
    "relances_auto.batch_size": 200,
    # mails rendered and queued together between two commits of the job
    "relances_auto.commit_every": 50,
    # a call of the job stops after this many seconds and lets the cron call again
    # (keep it well under the server's limit_time_real_cron)
    "relances_auto.batch_seconds": 60,
    # hours after the due date before an invoice due on issue is stamped “REMINDER”
    "relances_auto.stamp_grace_hours": 12,
    # automatic retries of a reminder whose mail could not be delivered
    "relances_auto.max_retries": 3,
    # the customer's answers (its reminder's link): days the reminders stay paused
    "relances_auto.promise_grace_days": 3,  # after the promised date
    "relances_auto.paid_pause_days": 7,  # after “I have already paid”, to match the payment
    "relances_auto.dispute_pause_days": 60,  # after a dispute, to handle it
}
# may be 0
ZERO_ALLOWED = frozenset({"relances_auto.stamp_grace_hours", "relances_auto.promise_grace_days"})


def get(env, key):
    """The system parameter ``key`` as a positive number, else its default."""
    default = PARAMS[key]
    raw = env["ir.config_parameter"].sudo().get_param(key)
    if raw in (None, False, ""):
        return default
    try:
        value = int(float(raw))
    except ValueError:
        value = -1
    if value < 0 or (value == 0 and key not in ZERO_ALLOWED):
        _logger.warning("System parameter %s=%r is not a valid number: %s is used", key, raw, default)
        return default
    return value
