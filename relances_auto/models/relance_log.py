from odoo import Command, api, fields, models
from odoo.addons.base.models.ir_qweb import QWebException
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date
from odoo.tools.pdf import merge_pdf

from .. import params
from .. import planner as core

KINDS = [("auto", "Automatic"), ("manual", "Manual"), ("test", "Test")]
STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
    ("recorded", "Recorded"),
    ("to_print", "Letter to Print"),
    ("printed", "Letter Printed"),
    ("cancelled", "Cancelled"),
]
# The history is an audit trail: people may only add a note (managers); the
# product's own actions write the rest, as superuser.
EDITABLE_FIELDS = frozenset({"note"})
LETTER_REPORT = "relances_auto.action_report_relance_letter"
# A failure reason is one sentence: longer text goes to the technical details.
FAILURE_REASON_MAX = 240
# Delivery failures not worth a retry: the address (or the sender's) is wrong.
UNRETRIED_FAILURES = frozenset({"mail_email_invalid", "mail_email_missing", "mail_from_invalid", "mail_from_missing"})


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
    program_id = fields.Many2one("relance.program", ondelete="set null")
    stage_id = fields.Many2one("relance.stage", ondelete="set null")
    level = fields.Integer(required=True, aggregator=False)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    kind = fields.Selection(KINDS, required=True, default="manual")
    channel = fields.Selection(
        [
            (core.CHANNEL_EMAIL, "Email"),
            (core.CHANNEL_LETTER, "Letter"),
            (core.CHANNEL_EMAIL_LETTER, "Email + letter"),
            ("other", "Other (phone, visit…)"),
        ],
        required=True,
        default="email",
    )
    state = fields.Selection(STATES, required=True, default="queued", index=True)
    recipient = fields.Char(
        help="Who the reminder went to: email addresses, or a note for a reminder recorded by hand."
    )
    subject = fields.Char()
    mail_id = fields.Many2one("mail.mail", ondelete="set null", index="btree_not_null")
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null", index="btree_not_null")
    failure_reason = fields.Char(
        readonly=True, help="What failed and what to fix, in one sentence (the details are below)."
    )
    failure_detail = fields.Text(
        string="Technical Details", readonly=True, help="The error as the server saw it (e.g. a traceback)."
    )
    delivery_failed = fields.Boolean(
        readonly=True,
        copy=False,
        help="The mail server could not deliver the mail (server down, refused…): the level counts as "
        "reached, and the mail is tried again at the next hourly runs (see Retries).",
    )
    retry_count = fields.Integer(
        string="Retries",
        readonly=True,
        copy=False,
        help="Automatic retries of the mail after a delivery failure, at most the system parameter "
        "relances_auto.max_retries (3): then it has failed for good, and “Retry” tries once more.",
    )
    instalment_due_date = fields.Date(
        readonly=True,
        help="The due date of the instalment this reminder was about: an invoice in instalments "
        "is reminded per instalment, each through the stages on its own.",
    )
    instalment_amount = fields.Monetary(
        string="Instalment Amount Late",
        readonly=True,
        aggregator=False,
        currency_field="currency_id",
        help="What was left to pay on that instalment when the reminder went out.",
    )
    document = fields.Char(
        string="Document Sent",
        readonly=True,
        help="The invoice file the reminder carried: the stamped copy of the invoice the customer "
        "received, or the invoice itself.",
    )
    letter_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Letter",
        readonly=True,
        ondelete="set null",
        help="The reminder letter (PDF) as generated when the reminder was made; one letter "
        "covers all the invoices of its mail.",
    )
    letter_file = fields.Binary(related="letter_attachment_id.datas", string="Letter PDF")
    letter_filename = fields.Char(related="letter_attachment_id.name", string="Letter File Name")
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    note = fields.Text()
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(
        string="Amount Due When Sent",
        aggregator=False,  # several reminders of one invoice would add its amount twice
        currency_field="currency_id",
        help="What was left to pay on the invoice when the reminder went out.",
    )
    # What the reminder achieved: kept current as payments are reconciled or removed.
    paid_date = fields.Date(
        string="Invoice Paid On",
        compute="_compute_paid_date",
        store=True,
        index="btree_not_null",
        help="The day the invoice was fully paid (its last payment), empty while something is left to pay.",
    )
    days_to_pay = fields.Integer(
        string="Days to Pay",
        compute="_compute_paid_date",
        store=True,
        aggregator="avg",
        help="Days from this reminder to the full payment of the invoice (0: paid the same day). "
        "Meaningful for paid invoices only.",
    )

    _sql_constraints = [
        ("level_range", "CHECK(level >= 1 AND level <= 3)", "A reminder level is 1, 2 or 3."),
    ]

    def init(self):
        # Nothing twice: one automatic reminder per invoice, instalment and
        # level, enforced by the database itself (a failed one may be retried).
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS relance_log_auto_level_unique;
            CREATE UNIQUE INDEX IF NOT EXISTS relance_log_auto_level_instalment_unique
                ON relance_log (move_id, COALESCE(instalment_due_date, '0001-01-01'::date), level)
             WHERE kind = 'auto' AND state != 'failed'
            """
        )

    @api.depends("move_id", "level", "kind")
    @api.depends_context("lang")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for log in self:
            log.display_name = self.env._(
                "%(invoice)s – level %(level)s (%(kind)s)",
                invoice=log.move_id.name or "",
                level=log.level,
                kind=kinds.get(log.kind, ""),
            )

    @api.depends("move_id.payment_state", "move_id.matched_payment_ids.state", "date")
    def _compute_paid_date(self):
        paid_on = self._invoice_paid_dates(self.move_id)
        for log in self:
            paid = paid_on.get(log.move_id.id)
            log.paid_date = paid or False
            log.days_to_pay = max((paid - log.date).days, 0) if paid and log.date else 0

    @api.model
    def _invoice_paid_dates(self, moves):
        """{invoice id: the day it was fully paid} for the paid ones: the date
        of its last reconciliation (a payment, a credit note…)."""
        result = {}
        for move in moves.filtered(lambda move: move.payment_state in ("paid", "in_payment")):
            terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
            dates = (terms.matched_credit_ids | terms.matched_debit_ids).mapped("max_date")
            # Odoo 18 may pay an invoice without a journal entry (no outstanding account): the payment itself
            dates += move.matched_payment_ids.filtered(lambda pay: pay.state in ("in_process", "paid")).mapped("date")
            if dates:
                result[move.id] = max(dates)
        return result

    def _counts(self):
        """Whether this line counts as the level sent: tests, cancelled
        records and reminders that could not be made never do; a mail the
        server could not deliver does (it is retried, never sent twice), and
        so does a bounced one (the address is the problem)."""
        return self.kind != "test" and self.state != "cancelled" and (self.state != "failed" or self.delivery_failed)

    def write(self, vals):
        if not self.env.su and set(vals) - EDITABLE_FIELDS:
            raise UserError(
                self.env._(
                    "The reminder history is an audit trail: what was sent, to whom, when and at which level "
                    "cannot be changed. A manager may add a note, or cancel a reminder recorded by mistake."
                )
            )
        return super().write(vals)

    def action_cancel_record(self):
        """Cancel reminders recorded by mistake (made outside Odoo, nothing
        was sent): they stop counting, visibly, in the history and the chatter."""
        if not self.env.user.has_group("account.group_account_manager"):
            raise UserError(self.env._("Only accounting managers can cancel a recorded reminder."))
        wrong = self.filtered(lambda log: log.state != "recorded")
        if wrong:
            raise UserError(
                self.env._(
                    "Only reminders recorded without sending can be cancelled; %(invoices)s went out "
                    "(or were tests) and stay in the history as they are.",
                    invoices=", ".join(wrong.move_id.mapped("name")),
                )
            )
        today = fields.Date.context_today(self)
        for log in self:
            mention = self.env._(
                "Cancelled by %(user)s on %(date)s.", user=self.env.user.name, date=format_date(self.env, today)
            )
            log.sudo().write({"state": "cancelled", "note": f"{log.note}\n{mention}" if log.note else mention})
            self.env["relance.sender"]._post_note(
                log.move_id,
                self.env._(
                    "Reminder level %(level)s recorded on %(date)s cancelled by %(user)s.",
                    level=log.level,
                    date=format_date(self.env, log.date),
                    user=self.env.user.name,
                ),
            )
        return True

    @api.model
    def _failure_texts(self, error):
        """(one human sentence, technical detail) of a failure: an exception
        or the text the mail queue gives."""
        text = str(error.args[0] if isinstance(error, UserError) else error or "").strip()
        if text.split("\n", 1)[0].strip().isdigit():  # an OS error as Odoo writes it: “111\nConnection refused”
            text = " ".join(text.split())
        detail = getattr(error, "detail", "") or (text if "\n" in text or len(text) > FAILURE_REASON_MAX else "")
        first = text.splitlines()[0] if text else ""
        if len(first) > FAILURE_REASON_MAX:
            first = first[: FAILURE_REASON_MAX - 1].rstrip() + "…"
        return first, detail or False

    def _update_from_mails(self, mails, failure_reason=False, failure_type=None):
        """Follow the real mail: sent when the queue sent it, failed if not
        (a delivery failure, retried by ``_retry_deliveries``). The mail queue
        runs as whoever the cron runs as: the reason is written in the
        company's language."""
        for log in self:
            log = log.with_context(lang=log.company_id.partner_id.lang or self.env.lang or "en_US")
            mail = mails.filtered(
                lambda m, log=log: (
                    m == log.mail_id or (log.mail_message_id and m.mail_message_id == log.mail_message_id)
                )
            )[:1]
            if not mail:
                continue
            if mail.state == "exception" or failure_reason:
                reason, detail = log._failure_texts(failure_reason or mail.failure_reason)
                if failure_type == "mail_smtp" and reason[:1].isdigit():  # no connection: “111 Connection refused”
                    reason = log.env._("The mail server could not be reached: %s", reason)[:FAILURE_REASON_MAX]
                log.write(
                    {
                        "state": "failed",
                        "failure_reason": reason,
                        "failure_detail": detail,
                        # a wrong address is not retried: the customer's address is to fix
                        "delivery_failed": failure_type not in UNRETRIED_FAILURES,
                    }
                )
            else:
                log.write({"state": "sent", "failure_reason": False, "failure_detail": False})

    @api.model
    def _retry_deliveries(self, companies):
        """Put back in the mail queue the reminders of ``companies`` whose mail
        the server could not deliver, at most ``relances_auto.max_retries``
        times each (at every hourly run of the job). Returns the lines retried."""
        logs = self.sudo().search(
            [
                ("company_id", "in", companies.ids),
                ("state", "=", "failed"),
                ("delivery_failed", "=", True),
                ("retry_count", "<", params.get(self.env, "relances_auto.max_retries")),
                ("mail_id.state", "=", "exception"),
            ]
        )
        for count in set(logs.mapped("retry_count")):
            logs.filtered(lambda log, count=count: log.retry_count == count).write(
                {"state": "queued", "retry_count": count + 1}
            )
        logs.mail_id.mark_outgoing()
        return logs

    def _retryable(self):
        """A failed reminder whose mail the server could not deliver, still there to send again."""
        self.ensure_one()
        return self.state == "failed" and self.delivery_failed and self.sudo().mail_id.state == "exception"

    def action_retry(self):
        """“Retry”: the mail of these failed reminders goes back to the mail
        queue at once, whatever the automatic retries did."""
        logs = self.filtered(lambda log: log.state == "failed")
        missing = logs.filtered(lambda log: not log._retryable())
        if missing or not logs:
            raise UserError(
                self.env._(
                    "Nothing to retry for %s: only a mail the server could not deliver can be retried. "
                    "Remind the invoice again instead (Tester ou relancer manuellement).",
                    ", ".join((missing or self).move_id.mapped("name")),
                )
            )
        logs.check_access("read")
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only invoicing users may send reminders again."))
        logs.sudo().write({"state": "queued"})
        logs.sudo().mail_id.mark_outgoing()
        self.env["relance.sender"]._trigger_mail_queue()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%s reminder(s) queued again: they leave within a minute.", len(logs)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _mark_bounced(self, messages, emails):
        """A bounce came back (Odoo's bounce handling) for ``messages`` from
        ``emails``: their reminder lines say so."""
        logs = self.sudo().search([("mail_message_id", "in", messages.ids), ("state", "in", ("sent", "queued"))])
        for log in logs:
            log.write(
                {
                    "state": "bounced",
                    "failure_reason": self.env._(
                        "The address %s bounced: correct the customer's email address.", ", ".join(emails)
                    ),
                }
            )
        return logs

    # ------------------------------------------------------------------
    # Letters
    # ------------------------------------------------------------------

    def _letter_groups(self):
        """The lines in ``self`` grouped by letter, in order: one letter covers
        the invoices reminded together (one mail), else one invoice."""
        groups = {}
        for log in self:
            if log.letter_attachment_id:
                key = ("attachment", log.letter_attachment_id.id)
            elif log.mail_message_id:
                key = ("message", log.mail_message_id.id)
            else:
                key = ("line", log.id)
            groups[key] = groups.get(key, self.browse()) | log
        return list(groups.values())

    def _letter_stage(self):
        """The stage whose text the letter of these lines carries: the highest."""
        top = max(self, key=lambda log: log.level)
        if top.stage_id:
            return top.stage_id
        stages = self.env["relance.stage"]  # the stage was deleted since: its level's default text
        return stages.new(
            {
                "level": top.level,
                "subject": top.subject or "",
                "mail_template_id": stages._default_template_for_level(top.level).id,
            }
        )

    def _letter_body(self):
        """The stage text of the letter of these lines, in the customer's language."""
        # the letter is written once its own lines exist: they are not “previous” reminders
        return self.env["relance.sender"]._render(
            self.move_id, self._letter_stage(), letter=True, current_log_ids=self.ids
        )[1]

    def _letter_filename(self):
        """File name of the letter of these lines (one letter), in the customer's language."""
        lang = self[0].move_id.partner_id.lang or "en_US"
        title = self.with_context(lang=lang).env._("Reminder letter")
        numbers = ", ".join(sorted(self.move_id.mapped("name"))).replace("/", "_")
        return f"{title} - {self[0].partner_id.name or ''} - {numbers}.pdf"

    def _letter_siblings(self):
        """These lines and the others reminded with them (one letter covers them)."""
        messages = self.mail_message_id
        if not messages:
            return self
        return self | self.sudo().search([("mail_message_id", "in", messages.ids)]).with_env(self.env)

    @api.model
    def _render_letters(self, groups):
        """{first line of each group: letter PDF}, all letters in one
        wkhtmltopdf run (the report expands each first line to its group)."""
        # always a real PDF, also in tests: letters are merged to be printed in bulk
        report = self.env["ir.actions.report"].sudo().with_context(force_report_rendering=True)
        firsts = self.browse([logs[0].id for logs in groups])
        try:
            return report._relance_render_batch(LETTER_REPORT, firsts)
        except QWebException as error:
            if len(groups) > 1:
                # find the letter that fails, to tell it
                return {first: content for logs in groups for first, content in self._render_letters([logs]).items()}
            if isinstance(error.__cause__, UserError):
                raise error.__cause__ from None  # a template error, told as _relance_render words it
            raise

    def _make_letters(self):
        """Generate and store the letter of the lines that have none yet, all
        in one rendering; a letter-only reminder also shows it in the chatter."""
        attachments = self.env["ir.attachment"]
        groups = self.filtered(lambda log: not log.letter_attachment_id)._letter_groups()
        if not groups:
            return attachments
        contents = self._render_letters(groups)
        for logs in groups:
            content = logs._letter_with_enclosures(contents[logs[0]])
            attachment = attachments.sudo().create(
                {
                    "name": logs._letter_filename(),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": logs[0].id,
                }
            )
            logs.sudo().letter_attachment_id = attachment
            if logs[0].channel == core.CHANNEL_LETTER and logs[0].mail_message_id:
                logs[0].mail_message_id.sudo().attachment_ids = [Command.link(attachment.id)]
            attachments |= attachment
        return attachments

    def _letter_with_enclosures(self, content):
        """The letter of these lines followed by the invoices it encloses, when
        its stage attaches them: the stamped copy of the invoice the customer
        received (see ``relance.document``), which the lines record."""
        stage = self._letter_stage()
        if not stage.attach_invoice:
            return content
        pdfs = self.env["relance.document"]._pdf_attachments(self.move_id, stamp=stage.stamp_invoice)
        documents = dict(zip(self.move_id.ids, pdfs, strict=True))
        for log in self.filtered(lambda log: not log.document):
            log.sudo().document = documents[log.move_id.id][2]
        # Odoo renders reports as HTML in tests (see _relance_render_batch): only PDFs are enclosed
        enclosures = [raw for __, raw, __ in pdfs if raw.startswith(b"%PDF")]
        return merge_pdf([content, *enclosures]) if enclosures else content

    def _letters_pdf(self):
        """One PDF of the letters of these lines (each letter once), for
        printing: letters already made only (``_make_letters``)."""
        contents = [logs.letter_attachment_id.raw for logs in self._letter_groups()]
        return contents[0] if len(contents) == 1 else merge_pdf(contents)

    def action_print_letters(self):
        """Print the letters of the selected lines in one PDF; the letters
        waiting to be printed are then marked printed."""
        self._make_letters()
        self.filtered(lambda log: log.state == "to_print").sudo().state = "printed"
        return {
            "type": "ir.actions.act_url",
            "url": f"/relances_auto/letters?log_ids={','.join(map(str, self.ids))}",
            "target": "new",
        }
