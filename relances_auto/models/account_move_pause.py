from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

PAUSE_REASONS = [
    ("dispute", "Dispute"),
    ("promise", "Promise to pay"),
    ("paid", "Payment reported by the customer"),
    ("other", "Other"),
]


class AccountMove(models.Model):
    """Reminders paused on an invoice (a dispute, a promise to pay) until a
    date: the daily job skips it meanwhile, the digest says until when and
    why, and on that date reminders resume at the stage then due. Pausing and
    resuming are tracked in the invoice's chatter."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    relance_paused_until = fields.Date(
        string="Reminders Paused Until",
        copy=False,
        tracking=True,
        help="No automatic reminder before this date (it resumes that day, at the stage then due). "
        "Reminders by hand stay possible.",
    )
    relance_pause_reason = fields.Selection(PAUSE_REASONS, string="Pause Reason", copy=False, tracking=True)
    relance_pause_note = fields.Char(
        string="Pause Note", copy=False, tracking=True, help="e.g. what was promised, by whom."
    )
    relance_paused = fields.Boolean(
        string="Paused",
        compute="_compute_relance_paused",
        search="_search_relance_paused",
        help="Automatic reminders paused until a date still to come.",
    )

    @api.depends("relance_paused_until", "company_id")
    @api.depends_context("relance_today")
    def _compute_relance_paused(self):
        for move in self:
            until = move.relance_paused_until
            move.relance_paused = bool(until and move.company_id and until > move.company_id._relance_today())

    def _search_relance_paused(self, operator, value):
        if operator not in ("=", "!="):
            return [("id", "=", 0)]
        today = self.env.company._relance_today()
        positive = (operator == "=") == bool(value)
        if positive:
            return [("relance_paused_until", ">", today)]
        return ["|", ("relance_paused_until", "=", False), ("relance_paused_until", "<=", today)]

    @api.constrains("relance_paused_until", "relance_pause_reason")
    def _check_relance_pause(self):
        for move in self:
            if move.relance_paused_until and not move.relance_pause_reason:
                raise ValidationError(
                    self.env._(
                        "%s: say why its reminders are paused (dispute, promise to pay or other).", move.display_name
                    )
                )

    def _relance_pause_text(self):
        """“Paused until 12/31/2026 (dispute)”, in the env's language."""
        self.ensure_one()
        reasons = dict(self._fields["relance_pause_reason"]._description_selection(self.env))
        return self.env._(
            "Paused until %(date)s (%(reason)s)",
            date=format_date(self.env, self.relance_paused_until),
            reason=reasons.get(self.relance_pause_reason, "").lower(),
        )

    def action_relance_resume(self):
        """End the pause now: reminders resume at the next automatic run."""
        self.write({"relance_paused_until": False, "relance_pause_reason": False, "relance_pause_note": False})
