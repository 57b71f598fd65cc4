from odoo import api, fields, models

KINDS = [("auto", "Automatic"), ("manual", "Manual"), ("test", "Test")]
STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("recorded", "Recorded"),
]


class RelanceLog(models.Model):
    """One reminder of one invoice: the history the planner and the invoice
    summary are derived from. A mail covering several invoices has one line
    per invoice, all pointing to the same mail."""

    _name = "relance.log"
    _description = "Reminder History"
    _order = "date desc, id desc"
    _rec_name = "move_id"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    program_id = fields.Many2one("relance.program", string="Program", ondelete="set null")
    stage_id = fields.Many2one("relance.stage", string="Stage", ondelete="set null")
    level = fields.Integer(required=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    kind = fields.Selection(KINDS, required=True, default="manual")
    channel = fields.Selection(
        [("email", "Email"), ("letter", "Letter"), ("other", "Other (phone, visit…)")],
        required=True,
        default="email",
    )
    state = fields.Selection(STATES, required=True, default="queued", index=True)
    recipient = fields.Char(
        help="Who the reminder went to: email addresses, or a note for a reminder recorded by hand."
    )
    subject = fields.Char()
    mail_id = fields.Many2one("mail.mail", string="Mail", ondelete="set null", index="btree_not_null")
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null", index="btree_not_null")
    failure_reason = fields.Text(readonly=True)
    user_id = fields.Many2one("res.users", string="User", default=lambda self: self.env.user)
    note = fields.Text()
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(
        string="Amount Due When Sent",
        currency_field="currency_id",
        help="What was left to pay on the invoice when the reminder went out.",
    )

    _sql_constraints = [
        ("level_range", "CHECK(level >= 1 AND level <= 3)", "A reminder level is 1, 2 or 3."),
    ]

    def init(self):
        # Nothing twice: one automatic reminder per invoice and level, enforced
        # by the database itself (a failed one may be retried).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS relance_log_auto_level_unique
                ON relance_log (move_id, level)
             WHERE kind = 'auto' AND state != 'failed'
            """
        )

    @api.depends("move_id", "level", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for log in self:
            log.display_name = self.env._(
                "%(invoice)s – level %(level)s (%(kind)s)",
                invoice=log.move_id.name or "",
                level=log.level,
                kind=kinds.get(log.kind, ""),
            )

    def _counts(self):
        """Whether this line counts as the level sent (tests and failures never do)."""
        return self.kind != "test" and self.state != "failed"

    def _update_from_mails(self, mails, failure_reason=False):
        """Follow the real mail: sent when the queue sent it, failed if not."""
        for log in self:
            mail = mails.filtered(
                lambda m, log=log: (
                    m == log.mail_id or (log.mail_message_id and m.mail_message_id == log.mail_message_id)
                )
            )[:1]
            if not mail:
                continue
            if mail.state == "exception" or failure_reason:
                log.write({"state": "failed", "failure_reason": failure_reason or mail.failure_reason})
            else:
                log.write({"state": "sent", "failure_reason": False})
