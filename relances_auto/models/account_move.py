import datetime
import logging
import traceback

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, format_date

from .. import planner as core

_logger = logging.getLogger(__name__)

# An invoice due on its own date is stamped “Reminder” only after this delay.
STAMP_GRACE_HOURS = 12


class RelanceRenderError(UserError):
    """A reminder's template fails: one sentence for the person, the
    technical ``detail`` (traceback) for the server log and the history form."""

    def __init__(self, message, detail=""):
        super().__init__(message)
        self.detail = detail


class AccountMove(models.Model):
    _inherit = "account.move"

    relance_excluded = fields.Boolean(
        string="Excluded from Automatic Reminders",
        copy=False,
        tracking=True,
        help="The daily job never reminds this invoice (e.g. disputed); it can still be reminded by hand.",
    )
    relance_auto_enabled = fields.Boolean(
        string="Automatic Reminders",
        compute="_compute_relance_auto_enabled",
        inverse="_inverse_relance_auto_enabled",
        search="_search_relance_auto_enabled",
        help="Whether the daily job may remind this invoice.",
    )
    relance_auto_switchable = fields.Boolean(
        string="Automatic Reminders Can Be Switched",
        compute="_compute_relance_auto_enabled",
        help="Automatic reminders can be switched on or off here: only the invoice's own exclusion "
        "stands in the way, not the customer's policy or the program.",
    )
    relance_log_ids = fields.One2many("relance.log", "move_id", string="Reminders")
    relance_last_level = fields.Integer(
        string="Last Reminder Level",
        compute="_compute_relance_summary",
        store=True,
        help="Highest level sent automatically or by hand (tests never count).",
    )
    relance_last_date = fields.Date(
        string="Last Reminder Date",
        compute="_compute_relance_summary",
        store=True,
    )
    relance_count = fields.Integer(
        string="Reminders Sent",
        compute="_compute_relance_summary",
        store=True,
    )
    relance_last_label = fields.Char(string="Last Reminder", compute="_compute_relance_last_label")
    relance_previous_count = fields.Integer(
        string="Previous Reminders",
        compute="_compute_relance_previous_count",
        help="Reminders sent before the one being written (tests never count): the texts say "
        "“despite our previous reminder” only when there was one.",
    )
    relance_program_id = fields.Many2one(
        "relance.program",
        string="Reminder Program",
        compute="_compute_relance_program",
        help="The program that reminds this invoice's customer automatically.",
    )
    relance_program_mode = fields.Selection(
        [("manual", "Manual"), ("auto", "Automatic")],
        string="Reminder Mode",
        compute="_compute_relance_program",
    )
    relance_next_level = fields.Integer(string="Next Reminder Level", compute="_compute_relance_next")
    relance_next_date = fields.Date(string="Next Reminder Date", compute="_compute_relance_next")
    relance_next_label = fields.Char(
        string="Next Reminder",
        compute="_compute_relance_next",
        help="The planner's next reminder of this invoice: level, date and channel, or why none will be sent.",
    )
    relance_to_remind = fields.Boolean(
        string="To Remind",
        compute="_compute_relance_to_remind",
        search="_search_relance_to_remind",
        help="A reminder stage is due today and has not been sent yet.",
    )
    relance_show = fields.Boolean(compute="_compute_relance_show")
    relance_days_late = fields.Integer(
        string="Days Late",
        compute="_compute_relance_days_late",
        help="Days since the due date, in the company's local date.",
    )
    relance_posted_at = fields.Datetime(
        string="Posted On",
        copy=False,
        readonly=True,
        help="When the invoice was last posted: an invoice due on the day it is issued "
        "gets the “Reminder” stamp only 12 hours after.",
    )
    relance_sender_user_id = fields.Many2one(
        "res.users",
        string="Reminders Sent By",
        compute="_compute_relance_sender_user_id",
        help="The salesperson when a real person (active internal user with an email) can answer "
        "the customer; empty: reminders come from the company.",
    )
    relance_mail_move_ids = fields.Many2many(
        "account.move",
        string="Invoices in the Reminder",
        compute="_compute_relance_mail_move_ids",
        help="The invoices a reminder mail lists: this invoice, or all the customer's "
        "invoices when one mail covers several.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    def _relance_plan_lines(self):
        """{invoice id: the planner's line} for these invoices, with the next
        stage of those that have none due today (one query for all)."""
        moves = self.filtered("id")
        if not moves:
            return {}
        lines = self.env["relance.planner"]._get_plan(companies=moves.company_id, move_ids=moves.ids, upcoming=True)
        return {line.invoice_id: line for line in lines}

    @api.depends("relance_excluded", "relance_last_level", "payment_state", "commercial_partner_id")
    @api.depends_context("relance_today")
    def _compute_relance_auto_enabled(self):
        lines = self._relance_plan_lines()
        for move in self:
            line = lines.get(move.id)
            move.relance_auto_enabled = bool(line and line.automatic)
            move.relance_auto_switchable = bool(line and line.off_reason in (None, core.REASON_EXCLUDED))

    def _inverse_relance_auto_enabled(self):
        self.filtered(lambda move: not move.relance_auto_enabled).relance_excluded = True
        enabled = self.filtered("relance_auto_enabled")
        enabled.relance_excluded = False
        lines = enabled._relance_plan_lines()
        labels = self.env["relance.planner"]._reason_labels()
        for move in enabled:
            line = lines.get(move.id)
            if line and line.automatic:
                continue
            if line:
                why = labels[line.off_reason]
            elif move._relance_can_remind():
                why = self.env._("No reminder program applies")
            else:
                why = self.env._("Nothing left to pay")
            raise UserError(
                self.env._(
                    "%(invoice)s cannot be reminded automatically: %(reason)s. "
                    "Change the customer's reminder policy or the program's mode first.",
                    invoice=move.display_name,
                    reason=why,
                )
            )

    def _search_relance_auto_enabled(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on automatic reminders."))
        enabled_ids = [
            line.invoice_id for line in self.env["relance.planner"]._get_plan(upcoming=True) if line.automatic
        ]
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", enabled_ids)]

    @api.depends("relance_log_ids.level", "relance_log_ids.kind", "relance_log_ids.state", "relance_log_ids.date")
    def _compute_relance_summary(self):
        for move in self:
            counted = move.relance_log_ids.filtered(lambda log: log._counts())
            move.relance_last_level = max(counted.mapped("level"), default=0)
            move.relance_last_date = max(counted.mapped("date"), default=False)
            move.relance_count = len(counted)

    @api.depends("relance_log_ids.kind", "relance_log_ids.state")
    @api.depends_context("relance_current_log_ids")
    def _compute_relance_previous_count(self):
        current = set(self.env.context.get("relance_current_log_ids") or ())
        for move in self:
            move.relance_previous_count = len(
                move.relance_log_ids.filtered(lambda log: log._counts() and log.id not in current)
            )

    @api.depends("relance_count", "relance_last_date")
    @api.depends_context("relance_today")
    def _compute_relance_last_label(self):
        for move in self:
            if not move.relance_count:
                move.relance_last_label = self.env._("Not yet sent")
                continue
            days = (move.company_id._relance_today() - move.relance_last_date).days
            if days <= 0:
                move.relance_last_label = self.env._("Today (#%s)", move.relance_count)
            elif days == 1:
                move.relance_last_label = self.env._("Yesterday (#%s)", move.relance_count)
            else:
                move.relance_last_label = self.env._(
                    "%(days)s days ago (#%(count)s)", days=days, count=move.relance_count
                )

    @api.depends("commercial_partner_id", "company_id")
    @api.depends_context("company")
    def _compute_relance_program(self):
        for move in self:
            partner = move.commercial_partner_id
            program = partner._get_relance_program(move.company_id) if partner and move.company_id else False
            move.relance_program_id = program
            move.relance_program_mode = program.sudo().mode if program else False

    def _relance_stage_program(self):
        """The program whose stages apply to this invoice, also when its
        customer is only reminded by hand: its own, else the global one."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if not partner or not self.company_id:
            return self.env["relance.program"]
        return partner._get_relance_program(self.company_id, automatic=False)

    @api.depends("relance_last_level", "invoice_date_due", "commercial_partner_id", "company_id", "payment_state")
    @api.depends_context("relance_today")
    def _compute_relance_next(self):
        """The next reminder as the planner sees it: the stage due today or the
        next one ahead, when, by which channel, or why none will go out."""
        lines = self._relance_plan_lines()
        for move in self:
            line = lines.get(move.id)
            if line and line.reason != core.REASON_ALREADY_SENT:
                move.relance_next_level = line.level
                move.relance_next_date = line.due_on if line.upcoming else move.company_id._relance_next_run_date()
            else:
                move.relance_next_level = 0
                move.relance_next_date = False
            move.relance_next_label = move._relance_next_text(line)

    def _relance_next_text(self, line):
        """What the Relances tab says of the next reminder, from the plan line."""
        self.ensure_one()
        env = self.env
        if not self.relance_show:
            return False
        if not self._relance_can_remind():
            return env._("None: nothing left to pay")
        if not line:
            if not self._relance_stage_program():
                return env._("None: no reminder program applies")
            return env._("None")
        if line.reason == core.REASON_ALREADY_SENT:
            return env._("None: every stage was sent")
        planner = env["relance.planner"]
        reason = planner._reason_text(line, self) if line.reason else None
        values = {
            "level": line.level,
            "date": format_date(env, line.due_on),
            "channel": planner._channel_phrases()[line.channel],
            "reason": reason,
        }
        if not line.automatic:
            if line.upcoming:
                return env._(
                    "No automatic reminder (%(reason)s): level %(level)s can be sent by hand from %(date)s", **values
                )
            return env._("No automatic reminder (%(reason)s): level %(level)s can be sent by hand now", **values)
        if line.upcoming:
            if reason:
                return env._("Level %(level)s on %(date)s, will not be sent: %(reason)s", **values)
            return env._("Level %(level)s on %(date)s, %(channel)s", **values)
        if reason:
            return env._("Level %(level)s due now, will not be sent: %(reason)s", **values)
        values["date"] = format_date(env, self.company_id._relance_next_run_date())
        return env._("Level %(level)s at the next automatic run (%(date)s), %(channel)s", **values)

    @api.depends("move_type", "state")
    def _compute_relance_show(self):
        for move in self:
            move.relance_show = move.move_type == "out_invoice" and move.state == "posted"

    def _compute_relance_to_remind(self):
        due = (
            {
                line.invoice_id
                for line in self.env["relance.planner"]._get_plan(move_ids=self.ids)
                if line.reason != core.REASON_ALREADY_SENT
            }
            if self.ids
            else set()
        )
        for move in self:
            move.relance_to_remind = move.id in due

    def _search_relance_to_remind(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on “To Remind”."))
        due_ids = [
            line.invoice_id
            for line in self.env["relance.planner"]._get_plan()
            if line.reason != core.REASON_ALREADY_SENT
        ]
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", due_ids)]

    @api.depends("invoice_date_due", "company_id")
    @api.depends_context("relance_today")
    def _compute_relance_days_late(self):
        for move in self:
            if move.invoice_date_due and move.company_id:
                today = move.company_id._relance_today()
                move.relance_days_late = max((today - move.invoice_date_due).days, 0)
            else:
                move.relance_days_late = 0

    @api.depends("invoice_user_id")
    def _compute_relance_sender_user_id(self):
        for move in self:
            user = move.invoice_user_id
            person = (
                user.active and not user.share and not user._is_superuser() and bool(email_normalize(user.email or ""))
            )
            move.relance_sender_user_id = user if person else False

    @api.depends_context("relance_move_ids")
    def _compute_relance_mail_move_ids(self):
        listed = self.browse(self.env.context.get("relance_move_ids") or [])
        for move in self:
            move.relance_mail_move_ids = listed if move in listed else move

    # ------------------------------------------------------------------
    # Plan and stages
    # ------------------------------------------------------------------

    def _relance_can_remind(self):
        """A posted customer invoice with something left to pay (the planner's candidates)."""
        self.ensure_one()
        return self.relance_show and self.payment_state in core.REMINDABLE_PAYMENT_STATES

    def _relance_default_stage(self):
        """The stage the plan proposes: due today, else the next one, else the last one."""
        self.ensure_one()
        line = self._relance_plan_lines().get(self.id)
        if line and line.reason != core.REASON_ALREADY_SENT:
            return self.env["relance.stage"].browse(line.stage_id)
        return self._relance_stage_program().stage_ids.sorted("level")[-1:]

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted.filtered(lambda move: move.move_type == "out_invoice").relance_posted_at = fields.Datetime.now()
        return posted

    def _relance_stamp_applies(self):
        """Whether the reminder copy of this invoice bears the “Reminder”
        stamp: only once the payment term has passed; an invoice due on the
        day it is issued gets 12 hours to be corrected and sent again first."""
        self.ensure_one()
        due = self.invoice_date_due
        if not due:
            return False
        if self.invoice_date and due <= self.invoice_date:
            posted = self.relance_posted_at or self.create_date or fields.Datetime.now()
            return fields.Datetime.now() - posted >= datetime.timedelta(hours=STAMP_GRACE_HOURS)
        return due < self.company_id._relance_today()

    def _relance_not_due_subject(self):
        """A subject that tells the truth for an invoice not overdue yet, in the customer's language."""
        self.ensure_one()
        lang = self.partner_id.lang or "en_US"
        return self.with_context(lang=lang).env._(
            "Invoice %(invoice)s is due on %(date)s",
            invoice=self.name,
            date=format_date(self.with_context(lang=lang).env, self.invoice_date_due, lang_code=lang),
        )

    def _relance_reminder_copy_filename(self):
        self.ensure_one()
        return self.with_context(lang=self.partner_id.lang or "en_US").env._(
            "%s (reminder)", (self.name or "").replace("/", "_")
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_relance_open_send(self):
        """“Tester ou relancer manuellement”: the reminder wizard."""
        self.ensure_one()
        return self._relance_open_send_wizard()

    def _relance_open_send_wizard(self):
        """The reminder wizard for one mail covering these invoices (one
        customer; the first one leads: its stage and its text)."""
        main = self[:1]
        if not all(move.relance_show for move in self):
            raise UserError(self.env._("Only posted customer invoices can be reminded."))
        if len(self.commercial_partner_id) > 1:
            raise UserError(self.env._("One reminder mail goes to one customer: choose invoices of a single customer."))
        if not main._relance_stage_program():
            raise UserError(
                self.env._(
                    "No reminder program applies to %(invoice)s: choose a global program in "
                    "Settings or a custom one on the customer.",
                    invoice=main.display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Test or send a reminder"),
            "res_model": "relance.send",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids, "active_model": "account.move", "active_ids": self.ids},
        }

    def action_relance_send_due(self):
        """Mass action: send its due reminder to each selected invoice's customer."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send the due reminders"),
            "res_model": "relance.send",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids, "default_mass_mode": True},
        }

    def action_relance_enable_auto(self):
        self.relance_excluded = False

    def action_relance_disable_auto(self):
        self.relance_excluded = True

    def action_relance_view_logs(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("relances_auto.relance_log_action")
        action["domain"] = [("move_id", "in", self.ids)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _relance_lang(self, template):
        self.ensure_one()
        lang = template._render_lang(self.ids).get(self.id) if template else None
        return lang or self.partner_id.lang or self.env.lang or "en_US"

    def _relance_subject(self, stage, lang=None):
        """The stage's subject in ``lang``, #REF# replaced by the numbers of
        the invoices in ``self`` (one mail may cover several)."""
        subject = stage.with_context(lang=lang or self[:1].partner_id.lang or "en_US").subject or ""
        return subject.replace("#REF#", ", ".join(sorted(self.mapped("name"))))

    def _relance_render(self, stage, lang=None):
        """Subject and body of the reminder of ``stage`` for the invoices in
        ``self`` (one customer), in the customer's language.

        :raise UserError: the template fails to render, with what to fix
        """
        main = self[0]
        template = stage.mail_template_id
        lang = lang or main._relance_lang(template)
        try:
            body = template.with_context(
                lang=lang,
                relance_move_ids=self.ids,
                relance_letter=self.env.context.get("relance_letter", False),
                relance_current_log_ids=self.env.context.get("relance_current_log_ids", ()),
            )._render_field("body_html", main.ids, options={"post_process": True})[main.id]
        except Exception as error:
            _logger.warning(
                "Reminder template %s (level %s) failed for %s",
                template.display_name,
                stage.level,
                main.name,
                exc_info=True,
            )
            raise RelanceRenderError(
                self.env._(
                    "The mail template “%(template)s” of reminder level %(level)s cannot be rendered "
                    "for %(invoice)s: fix the template (Settings > Technical > Email Templates).",
                    template=template.display_name,
                    level=stage.level,
                    invoice=main.display_name,
                ),
                detail="".join(traceback.format_exception(error)),
            ) from error
        return self._relance_subject(stage, lang), self.with_context(lang=lang)._relance_add_fee_text(stage, body)

    def _relance_add_fee_text(self, stage, body):
        """The body with the stage's fee sentence, if it charges one (mail and letter)."""
        text = self._relance_fee_text(stage)
        return Markup("%s<p>%s</p>") % (Markup(body), text) if text else body

    def _relance_content(self, stage, subject=None, body=None):
        """Subject and body as given (edited in the wizard), else rendered."""
        if subject is None or body is None:
            rendered_subject, rendered_body = self._relance_render(stage)
            subject = rendered_subject if subject is None else subject
            body = rendered_body if body is None else body
        return subject, body

    def _relance_pdf_attachments(self, stamp=False, prepared=None):
        """The invoices' PDF, as (name, content) pairs; with ``stamp``, the
        overdue ones are a copy stamped “Reminder” (never stored: the invoice's
        own PDF does not change). ``prepared``: {(invoice id, stamp): (name,
        content)} rendered beforehand for a whole batch."""
        prepared = prepared or {}
        missing = self.filtered(lambda move: (move.id, stamp) not in prepared)
        if missing:
            prepared = {**prepared, **missing._relance_prepare_pdfs(stamp)}
        return [prepared[(move.id, stamp)] for move in self]

    def _relance_prepare_pdfs(self, stamp=False):
        """{(invoice id, stamp): (name, content)} of these invoices' PDFs, in as
        few wkhtmltopdf runs as possible: the stamped copies of all of them in
        one run, the plain PDFs not stored yet in another."""
        stamped = self.filtered(lambda move: move._relance_stamp_applies()) if stamp else self.browse()
        stored = (self - stamped).filtered("invoice_pdf_report_id")
        plain = self - stamped - stored
        result = {
            (move.id, stamp): (move.invoice_pdf_report_id.name, move.invoice_pdf_report_id.raw) for move in stored
        }
        for move, content in stamped._relance_render_pdfs("relances_auto.action_report_invoice_reminder").items():
            result[(move.id, stamp)] = (move._relance_reminder_copy_filename() + ".pdf", content)
        for move, content in plain._relance_render_pdfs("account.account_invoices").items():
            result[(move.id, stamp)] = (move._get_invoice_report_filename(), content)
        return result

    @api.model
    def _relance_prepare_batch_pdfs(self, moves_by_stamp):
        """{(invoice id, stamp): (name, content)} for {stamp option: invoices}: one
        rendering per kind of PDF and stamp option, for a batch of mails."""
        pdfs = {}
        for stamp, moves in moves_by_stamp.items():
            pdfs.update(moves._relance_prepare_pdfs(stamp))
        return pdfs

    def _relance_render_pdfs(self, report_ref):
        """{record: PDF} of one report for these records, rendered together."""
        return self.env["ir.actions.report"].sudo()._relance_render_batch(report_ref, self)

    def _relance_sender(self):
        """(author partner, email_from) of the reminders of these invoices
        (one customer): the salesperson when a real person can answer, else
        the company; never a bot. Replies go to the same address."""
        main = self[0]
        user = main.relance_sender_user_id
        if user:
            return user.partner_id, user.email_formatted
        company = main.company_id
        if not email_normalize(company.email or ""):
            raise UserError(
                self.env._(
                    "%(company)s has no email address, and the salesperson of %(invoice)s cannot send reminders: "
                    "enter the company's email (Settings > Companies) or a salesperson with an email address.",
                    company=company.display_name,
                    invoice=main.display_name,
                )
            )
        return company.partner_id, company.email_formatted

    @api.model
    def _relance_check_partners(self, partners):
        bad = partners.filtered(lambda p: not p._relance_emails())
        if bad:
            raise UserError(
                self.env._(
                    "No valid email address for %(partners)s: enter one on the contact, or choose another recipient.",
                    partners=", ".join(bad.mapped("display_name")),
                )
            )

    def _relance_log_values(self, stage, kind, state, recipient, subject, channel="email", stage_by_move=None):
        """History lines of the invoices in ``self``; ``stage_by_move`` gives
        each invoice its own level when one mail covers several."""
        stage_by_move = stage_by_move or {}
        return [
            {
                "move_id": move.id,
                "partner_id": move.commercial_partner_id.id,
                "company_id": move.company_id.id,
                "program_id": stage_by_move.get(move, stage).program_id.id,
                "stage_id": stage_by_move.get(move, stage).id,
                "level": stage_by_move.get(move, stage).level,
                "date": move.company_id._relance_today(),
                "kind": kind,
                "channel": channel,
                "state": state,
                "recipient": recipient,
                "subject": subject,
                "amount_residual": move.amount_residual,
            }
            for move in self
        ]

    @api.model
    def _relance_check_address(self, partner):
        if not partner._relance_has_postal_address():
            raise UserError(
                self.env._(
                    "No postal address for %(partner)s: enter its street and city on the contact "
                    "to send it a reminder letter.",
                    partner=partner.display_name,
                )
            )

    def _relance_send_test(self, stage, subject=None, body=None, attach_pdf=True, channel=None):
        """Send the reminder of ``stage`` to the current user only: it never
        counts as a stage and is not posted on the invoice. A letter is
        generated and attached to the test mail."""
        user = self.env.user
        if not email_normalize(user.email or ""):
            raise UserError(
                self.env._("Your user has no valid email address: set one in your preferences to receive tests.")
            )
        channel = channel or stage.channel
        author, email_from = self._relance_sender()
        subject, body = self._relance_content(stage, subject, body)
        subject = self.env._("[Test] %s", subject)
        attachments = self._relance_pdf_attachments(stamp=stage.stamp_invoice) if attach_pdf else []
        logs = (
            self.env["relance.log"]
            .sudo()
            .create(self._relance_log_values(stage, "test", "queued", user.email_formatted, subject, channel=channel))
        )
        if core.uses_letter(channel):
            letter = logs._make_letters()
            attachments.append((letter.name, letter.raw))
        mail = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": subject,
                    "body_html": body,
                    "author_id": author.id,
                    "email_from": email_from,
                    "reply_to": email_from,
                    "email_to": user.email_formatted,
                    "recipient_ids": [Command.link(user.partner_id.id)],
                    "auto_delete": False,
                    "attachment_ids": [
                        Command.create({"name": name, "raw": raw, "res_model": "mail.mail"})
                        for name, raw in attachments
                    ],
                }
            )
        )
        logs.mail_id = mail
        return logs

    def _relance_send(
        self,
        stage,
        kind,
        partners=None,
        subject=None,
        body=None,
        attach_pdf=True,
        stage_by_move=None,
        channel=None,
        prepared_pdfs=None,
    ):
        """Send the reminder of ``stage`` to the customer of the invoices in
        ``self`` (one customer, one mail, one letter) and record it in the
        history, in the same transaction as the mail is queued.

        :param kind: "manual" or "auto"
        :param partners: recipients (default: the invoice's contact)
        :param stage_by_move: {invoice: stage} when the invoices of one mail
            are at different levels (the mail uses ``stage``, the highest)
        :param channel: email, letter or both (default: the stage's)
        :param prepared_pdfs: the batch's PDFs, see :meth:`_relance_prepare_pdfs`
        :return: the new ``relance.log`` lines
        """
        main = self[0]
        channel = channel or stage.channel
        if core.uses_letter(channel):
            self._relance_check_address(main.partner_id)
        if not core.uses_email(channel):
            return self._relance_send_letter(stage, kind, stage_by_move=stage_by_move)
        partners = partners or main.partner_id
        self._relance_check_partners(partners)
        author, email_from = self._relance_sender()
        subject, body = self._relance_content(stage, subject, body)
        attachments = (
            self._relance_pdf_attachments(stamp=stage.stamp_invoice, prepared=prepared_pdfs) if attach_pdf else []
        )
        message = main.with_context(
            no_new_invoice=True,
            mail_notify_force_send=False,  # queued: the mail queue sends it, never this transaction
        ).message_post(
            body=body if isinstance(body, Markup) else Markup(body),  # rendered or edited HTML
            subject=subject,
            partner_ids=partners.ids,
            attachments=attachments,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=author.id,
            email_from=email_from,
            reply_to=email_from,
            email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
            model_description=main.type_name,  # “View Invoice”, not “View Journal Entry”
            email_add_signature=False,
            mail_auto_delete=False,
            reply_to_force_new=False,
        )
        self[1:]._relance_post_note(
            self.env._("Reminder level %(level)s sent with %(invoice)s.", level=stage.level, invoice=main.name)
        )
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)], limit=1)
        recipient = partners._relance_recipients_text()
        logs = (
            self.env["relance.log"]
            .sudo()
            .create(
                self._relance_log_values(
                    stage, kind, "queued", recipient, subject, channel=channel, stage_by_move=stage_by_move
                )
            )
        )
        logs.write({"mail_id": mail.id, "mail_message_id": message.id})
        if core.uses_letter(channel) and not self.env.context.get("relance_defer_letters"):
            logs._make_letters()  # the daily job makes its letters per batch
        return logs

    def _relance_send_letter(self, stage, kind, stage_by_move=None):
        """The reminder of ``stage`` as a letter only: generated, stored on
        the history lines and waiting there to be printed and posted."""
        main = self[0]
        subject = self._relance_subject(stage, main._relance_lang(stage.mail_template_id))
        address_lines = main.partner_id._display_address(without_company=False).splitlines()
        address = ", ".join(line.strip() for line in address_lines if line.strip())
        logs = (
            self.env["relance.log"]
            .sudo()
            .create(
                self._relance_log_values(
                    stage,
                    kind,
                    "to_print",
                    address,
                    subject,
                    channel=core.CHANNEL_LETTER,
                    stage_by_move=stage_by_move,
                )
            )
        )
        # the note first: the letter covers the lines of one message
        logs.mail_message_id = main._relance_post_note(
            self.env._(
                "Reminder letter level %(level)s generated, to print from the Reminder History.",
                level=stage.level,
            )
        )
        self[1:]._relance_post_note(
            self.env._("Reminder letter level %(level)s made with %(invoice)s.", level=stage.level, invoice=main.name)
        )
        if not self.env.context.get("relance_defer_letters"):
            logs._make_letters()  # the daily job makes its letters per batch
        return logs

    def _relance_post_note(self, body):
        """An internal note on each invoice; returns the last message."""
        message = self.env["mail.message"]
        for move in self:
            message = move.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        return message

    def _relance_record(self, stage, note=None, channel="other", stage_by_move=None):
        """A reminder made outside Odoo (a phone call…): counts as its level."""
        logs = (
            self.env["relance.log"]
            .sudo()
            .create(
                [
                    dict(vals, note=note or False)
                    for vals in self._relance_log_values(
                        stage, "manual", "recorded", False, False, channel=channel, stage_by_move=stage_by_move
                    )
                ]
            )
        )
        self._relance_post_note(
            self.env._(
                "Reminder level %(level)s recorded without sending%(note)s.",
                level=stage.level,
                note=f": {note}" if note else "",
            )
        )
        return logs
