from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from .. import planner as core

PLAN_STATES = [
    ("send", "Sent at the next run"),
    ("blocked", "Due, not sent automatically"),
    ("waiting", "Next stage ahead"),
    ("done", "Every stage sent"),
]


class AccountMove(models.Model):
    """The Late payments worklist of the Relances app: which invoices are
    overdue, and what the plan does with each of them."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    relance_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_relance_overdue",
        search="_search_relance_overdue",
        help="A posted customer invoice past its due date (in its company's time zone) with something left to pay.",
    )
    relance_plan_state = fields.Selection(
        PLAN_STATES,
        string="Reminder Status",
        compute="_compute_relance_plan_state",
        search="_search_relance_plan_state",
        help="What the planner does with this invoice: sends its due stage at the next automatic run, "
        "cannot send it automatically (the next reminder says why), waits for its next stage, or has "
        "sent them all.",
    )

    relance_retry_possible = fields.Boolean(
        string="Reminder to Retry",
        compute="_compute_relance_retry_possible",
        help="A reminder of this invoice could not be delivered by the mail server: “Retry” queues it again.",
    )

    @api.depends("relance_log_ids.state", "relance_log_ids.delivery_failed")
    def _compute_relance_retry_possible(self):
        for move in self:
            move.relance_retry_possible = bool(move.relance_log_ids.filtered(lambda log: log._retryable()))

    def action_relance_retry(self):
        """“Retry” in Late payments: the undelivered reminders of these invoices."""
        return self.relance_log_ids.filtered(lambda log: log._retryable()).action_retry()

    @api.depends("relance_due_date", "payment_state", "move_type", "state", "company_id")
    @api.depends_context("relance_today")
    def _compute_relance_overdue(self):
        due_dates = self._relance_due_dates()
        for move in self:
            due = due_dates[move.id]  # in instalments: once its oldest unpaid instalment is
            move.relance_overdue = move._relance_can_remind() and bool(due) and due < move.company_id._relance_today()

    def _search_relance_overdue(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on “Overdue”."))
        # in instalments: once its oldest unpaid instalment is late
        by_company = [
            [("company_id", "=", company.id), ("relance_due_date", "<", company._relance_today())]
            for company in self.env.companies
        ]
        domain = expression.AND(
            [
                [("move_type", "=", "out_invoice"), ("state", "=", "posted")],
                [("payment_state", "in", tuple(core.REMINDABLE_PAYMENT_STATES))],
                expression.OR(by_company),
            ]
        )
        positive = (operator == "=") == bool(value)
        return domain if positive else ["!", *expression.normalize_domain(domain)]

    @api.depends("relance_last_level", "relance_due_date", "commercial_partner_id", "company_id", "payment_state")
    @api.depends_context("relance_today")
    def _compute_relance_plan_state(self):
        lines = self._relance_plan_lines()
        for move in self:
            move.relance_plan_state = self._relance_plan_state(lines.get(move.id))

    @api.model
    def _relance_plan_state(self, line):
        if not line:
            return False
        if line.reason == core.REASON_ALREADY_SENT:
            return "done"
        if line.upcoming:
            return "waiting"
        return "send" if line.send else "blocked"

    def _search_relance_plan_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on “Reminder Status”."))
        wanted = {value} if operator in ("=", "!=") else set(value)
        lines = self.env["relance.planner"]._get_plan(upcoming=True)
        ids = [line.invoice_id for line in lines if self._relance_plan_state(line) in wanted]
        return [("id", "in" if operator in ("=", "in") else "not in", ids)]
