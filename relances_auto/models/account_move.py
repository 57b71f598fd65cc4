from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, format_date

from .. import params
from .. import planner as core


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
        help="Days since the due date (of the oldest unpaid instalment), in the company's local date.",
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

    relance_mail_level = fields.Integer(
        string="Level in the Reminder",
        compute="_compute_relance_mail_level",
        help="The level this invoice is reminded at in the mail being written (one mail may cover "
        "invoices at different levels).",
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

    @api.depends(
        "relance_log_ids.level",
        "relance_log_ids.kind",
        "relance_log_ids.state",
        "relance_log_ids.date",
        "relance_log_ids.delivery_failed",
    )
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

    @api.depends("relance_count", "relance_last_date", "relance_log_ids.state")
    @api.depends_context("relance_today", "lang")
    def _compute_relance_last_label(self):
        """“Level 3, today (1 sent)”: the last reminder's level, when, and how
        many reminders the invoice received in all (not a level)."""
        for move in self:
            if not move.relance_count:
                move.relance_last_label = self.env._("Not yet sent")
                continue
            last = move.relance_log_ids.filtered(lambda log: log._counts()).sorted(lambda log: (log.date, log.id))[-1:]
            days = (move.company_id._relance_today() - move.relance_last_date).days
            if days <= 0:
                when = self.env._("today")
            elif days == 1:
                when = self.env._("yesterday")
            else:
                when = self.env._("%s days ago", days)
            count = self.env._("1 sent") if move.relance_count == 1 else self.env._("%s sent", move.relance_count)
            move.relance_last_label = self.env._(
                "Level %(level)s, %(when)s (%(count)s)",
                level=last.level or move.relance_last_level,
                when=when,
                count=count,
            )
            # the last one counts as reached, but did not reach the customer (yet)
            if last.state == "failed":
                move.relance_last_label = self.env._("%s, not delivered (retried)", move.relance_last_label)
            elif last.state == "bounced":
                move.relance_last_label = self.env._("%s, bounced", move.relance_last_label)

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

    @api.depends("relance_last_level", "relance_due_date", "commercial_partner_id", "company_id", "payment_state")
    @api.depends_context("relance_today", "lang")
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
            move.relance_to_remind = move.id in due and not move.relance_paused

    def _search_relance_to_remind(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on “To Remind”."))
        due_ids = [
            line.invoice_id
            for line in self.env["relance.planner"]._get_plan()
            if line.reason != core.REASON_ALREADY_SENT
        ]
        # a paused invoice is not to remind, whatever its program's mode
        due_ids = self.browse(due_ids).filtered(lambda move: not move.relance_paused).ids
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", due_ids)]

    @api.depends("relance_due_date", "company_id")
    @api.depends_context("relance_today")
    def _compute_relance_days_late(self):
        due_dates = self._relance_due_dates()
        for move in self:
            due = due_dates[move.id]
            if due and move.company_id:
                today = move.company_id._relance_today()
                move.relance_days_late = max((today - due).days, 0)
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

    @api.depends_context("relance_mail_levels")
    def _compute_relance_mail_level(self):
        levels = dict(self.env.context.get("relance_mail_levels") or ())
        for move in self:
            move.relance_mail_level = levels.get(move.id, 0)

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

    def _relance_reached_stage(self):
        """The stage this invoice has reached by its days late (sent or not),
        else its program's first: the level it is reminded at when it goes
        with a more late invoice in one mail; a stage still ahead is never
        taken early."""
        self.ensure_one()
        program = self._relance_stage_program()
        stages = program.stage_ids.sorted("level")
        due = self._relance_due_dates()[self.id]
        if not due:
            return stages[:1]
        # the planner's own rule (a courtesy stage is never reached once overdue)
        days_late = (self.company_id._relance_today() - due).days
        reached = core.Program(
            program.id,
            program.mode,
            tuple(core.Stage(stage.id, stage.level, stage.delay_days, stage.channel) for stage in stages),
        ).reached_stage(days_late)
        return stages.browse(reached.id) if reached else stages[:1]

    def _relance_stamp_applies(self):
        """Whether the reminder copy of this invoice bears the “Reminder”
        stamp: once the payment term has passed (the day after the due date);
        an invoice due on the day it is issued gets 12 hours (system
        parameter relances_auto.stamp_grace_hours) from its due
        date to be corrected and sent again first. Counted from the due
        moment, whenever the invoice was entered (an invoice imported long
        after its date is stamped at once)."""
        self.ensure_one()
        due = self._relance_due_dates()[self.id]  # in instalments: once one is late
        if not due:
            return False
        company = self.company_id
        today = company._relance_today()
        if self.invoice_date and due <= self.invoice_date:
            if today != due:
                return today > due
            now = company._relance_now()
            return now.hour + now.minute / 60 >= params.get(self.env, "relances_auto.stamp_grace_hours")
        return due < today

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
            "name": self.env._("Reminders of the selected invoices"),
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
    # Texts (sending itself lives in relance.sender)
    # ------------------------------------------------------------------

    def _relance_add_fee_text(self, stage, body):
        """The body with the stage's fee sentence, if it charges one (mail and letter)."""
        text = self._relance_fee_text(stage)
        return Markup("%s<p>%s</p>") % (Markup(body), text) if text else body
