from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, is_html_empty

from .. import planner as core
from ..models.relance_sender import RelanceMail
from ..models.relance_stage import CHANNELS


class RelanceSend(models.TransientModel):
    """“Tester ou relancer manuellement”: test a reminder on yourself, send it
    to the customer, or record one made outside Odoo. With several invoices
    (mass action), sends each its due reminder."""

    _name = "relance.send"
    _description = "Send a Reminder"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    move_id = fields.Many2one("account.move", string="Invoice", compute="_compute_move_id")
    several = fields.Boolean(
        compute="_compute_move_id", help="One mail for several invoices of the customer (not a mass action)."
    )
    mass_mode = fields.Boolean()
    company_id = fields.Many2one("res.company", compute="_compute_move_id")
    program_id = fields.Many2one("relance.program", compute="_compute_move_id")
    stage_id = fields.Many2one(
        "relance.stage",
        compute="_compute_stage_id",
        store=True,
        readonly=False,
        domain="[('program_id', '=', program_id)]",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Recipients",
        compute="_compute_partner_ids",
        store=True,
        readonly=False,
    )
    recipient_emails = fields.Char(
        string="Mailed to",
        compute="_compute_recipient_emails",
        help="Every valid address of the recipients' email fields: each one gets the reminder.",
    )
    subject = fields.Char(compute="_compute_content", store=True, readonly=False)
    body = fields.Html(compute="_compute_content", store=True, readonly=False, sanitize_style=True)
    render_error = fields.Text(compute="_compute_content", store=True)
    channel = fields.Selection(
        CHANNELS,
        compute="_compute_stage_options",
        store=True,
        readonly=False,
        help="Email: mail it. Letter: generate the reminder letter (PDF) to print and post; "
        "it carries the stage's text. Email + letter: both.",
    )
    mass_channel = fields.Selection(
        [("stage", "As each stage says"), *CHANNELS, ("record", "Record without sending")],
        string="Send By",
        default="stage",
        required=True,
        help="How the selected invoices are reminded: by the channel of their due stage, by one "
        "channel for all, or recorded as reminded without sending anything.",
    )
    attach_pdf = fields.Boolean(
        string="Attach the invoice", compute="_compute_stage_options", store=True, readonly=False
    )
    note = fields.Char(help="What was done, for a reminder recorded without sending (e.g. phone call).")
    promise_date = fields.Date(
        string="Promised Payment Date",
        help="Recording without sending: the customer promised to pay by this date. Automatic reminders "
        "of these invoices pause until then (reason: promise to pay).",
    )
    activity_pending = fields.Boolean(compute="_compute_activity_pending")
    activity_done = fields.Boolean(
        string="Mark the scheduled call done",
        default=True,
        help="Recording without sending: mark done the activity (e.g. a call) this stage scheduled on the invoice.",
    )
    log_ids = fields.Many2many("relance.log", string="Previous Reminders", compute="_compute_move_id")
    mass_summary = fields.Html(string="Preview", compute="_compute_mass_summary", sanitize=False)
    pause_warning = fields.Char(compute="_compute_pause_warning")
    confirm_paused = fields.Boolean(
        string="Send despite the pause",
        help="These invoices' reminders are paused (a dispute, a promise to pay): tick to remind them anyway.",
    )
    due_info = fields.Char(compute="_compute_due_info")
    email_warning = fields.Char(compute="_compute_email_warning")

    def _mail_moves(self):
        """The invoices of the one mail this wizard sends, the most late first
        (it leads: its stage and its text)."""
        self.ensure_one()
        return self.move_ids._origin.sorted(
            lambda move: (move.relance_due_date or move.invoice_date_due or fields.Date.today(), move.id)
        )

    def _stage_by_move(self):
        """The level each invoice of the mail records: the chosen stage, or
        its own stage when that is lower (an invoice a few days late, sent
        with a more late one, does not skip its first reminders)."""
        chosen = self.stage_id._origin
        moves = self._mail_moves()
        result = {moves[:1]: chosen}  # the invoice that leads records the stage chosen for it
        for move in moves[1:]:
            own = move._relance_reached_stage()
            lower = own and own.program_id == chosen.program_id and own.level < chosen.level
            result[move] = own if lower else chosen
        return result

    @api.depends("move_ids")
    def _compute_move_id(self):
        for wizard in self:
            move = wizard._mail_moves()[:1]
            wizard.move_id = move
            wizard.several = not wizard.mass_mode and len(wizard.move_ids) > 1
            wizard.company_id = move.company_id
            wizard.program_id = move._relance_stage_program() if move else False
            wizard.log_ids = move.relance_log_ids

    @api.depends("move_id")
    def _compute_stage_id(self):
        for wizard in self:
            wizard.stage_id = wizard.move_id._origin._relance_default_stage() if wizard.move_id else False

    @api.depends("stage_id", "move_id")
    def _compute_stage_options(self):
        for wizard in self:
            wizard.attach_pdf = wizard.stage_id.attach_invoice if wizard.stage_id else True
            wizard.channel = wizard.stage_id.channel or core.CHANNEL_EMAIL
            partner = wizard.move_id.partner_id
            if (
                not wizard.mass_mode
                and core.uses_email(wizard.channel)
                and partner
                and not partner._relance_emails()
                and partner._relance_has_postal_address()
            ):  # nothing to mail it to: the letter (the warning above says why)
                wizard.channel = core.CHANNEL_LETTER

    @api.depends("move_id")
    def _compute_partner_ids(self):
        """The invoice's contact, when it has an address to mail (otherwise
        the recipients field would open the contact's form at once; the
        warning above says what to do)."""
        for wizard in self:
            partner = wizard.move_id.partner_id
            wizard.partner_ids = partner if partner and partner._relance_emails() else False

    @api.depends("move_id")
    def _compute_email_warning(self):
        for wizard in self:
            partner = wizard.move_id.partner_id
            if wizard.mass_mode or not partner or partner._relance_emails():
                wizard.email_warning = False
            elif partner.email:
                wizard.email_warning = self.env._(
                    "The email address of %(customer)s, “%(email)s”, is not valid: correct it on the customer.",
                    customer=partner.display_name,
                    email=partner.email,
                )
            elif partner._relance_has_postal_address():
                wizard.email_warning = self.env._(
                    "%s has no email address: the reminder goes by letter. To mail it, add an address on the customer.",
                    partner.display_name,
                )
            else:
                wizard.email_warning = self.env._(
                    "%s has no email address nor postal address: add one on the customer to remind it.",
                    partner.display_name,
                )

    @api.depends("partner_ids")
    def _compute_recipient_emails(self):
        for wizard in self:
            wizard.recipient_emails = wizard.partner_ids._origin._relance_recipients_text()

    @api.depends("stage_id", "move_id")
    @api.depends_context("relance_today")
    def _compute_content(self):
        for wizard in self:
            wizard.subject = wizard.body = wizard.render_error = False
            if wizard.mass_mode or not wizard.stage_id or not wizard.move_id:
                continue
            sender = self.env["relance.sender"]
            try:
                move = wizard.move_id._origin
                stage = wizard.stage_id._origin
                wizard.subject, wizard.body = sender._render(
                    wizard._mail_moves(), stage, stage_by_move=wizard._stage_by_move()
                )
                if move.relance_days_late <= 0 and not wizard.several:
                    # not overdue: a subject saying so would be false
                    lang = sender._lang(move, stage.mail_template_id)[move]
                    wizard.subject = sender._not_due_subject(move, lang)
            except UserError as error:
                wizard.render_error = self.env["relance.log"]._failure_texts(error)[0]

    @api.depends("move_id")
    def _compute_due_info(self):
        for wizard in self:
            move = wizard.move_id._origin
            wizard.due_info = False
            if wizard.mass_mode or not move.invoice_date_due:
                continue
            due = move._relance_due_dates()[move.id]
            days_late = (move.company_id._relance_today() - due).days
            if days_late > 0:
                continue
            values = {"invoice": move.name, "date": format_date(self.env, due)}
            if days_late == 0:
                wizard.due_info = self.env._("%(invoice)s is not overdue: it is due today (%(date)s).", **values)
            elif days_late == -1:
                wizard.due_info = self.env._("%(invoice)s is not overdue: it is due tomorrow (%(date)s).", **values)
            else:
                wizard.due_info = self.env._(
                    "%(invoice)s is not overdue: it is due in %(days)s days (%(date)s).", days=-days_late, **values
                )

    @api.depends("move_ids", "mass_mode")
    @api.depends_context("relance_today")
    def _compute_pause_warning(self):
        for wizard in self:
            paused = wizard._mail_moves().filtered("relance_paused") if not wizard.mass_mode else None
            wizard.pause_warning = (
                self.env._(
                    "%(pauses)s. Tick “Send despite the pause” to remind anyway.",
                    pauses="; ".join(
                        self.env._("%(invoice)s: %(pause)s", invoice=move.name, pause=move._relance_pause_text())
                        for move in paused
                    ),
                )
                if paused
                else False
            )

    def _check_pause(self):
        """A paused invoice is reminded by hand only when the user confirms it."""
        if self.pause_warning and not self.confirm_paused:
            raise UserError(self.pause_warning)

    @api.depends("move_ids", "mass_mode", "mass_channel")
    def _compute_mass_summary(self):
        for wizard in self:
            if not wizard.mass_mode:
                wizard.mass_summary = False
                continue
            rows = Markup("").join(
                Markup('<tr class="%s"><td>%s</td><td>%s</td><td>%s</td></tr>')
                % (
                    "o_relance_will_send" if stage else "o_relance_skipped text-muted",
                    move.name,
                    move.partner_id.display_name,
                    wizard._mass_row_text(stage, channel, reason),
                )
                for move, stage, channel, reason in wizard._mass_plan()
            )
            head = Markup("<tr><th>%s</th><th>%s</th><th>%s</th></tr>") % (
                self.env._("Invoice"),
                self.env._("Customer"),
                self.env._("What the button does"),
            )
            wizard.mass_summary = Markup('<table class="table table-sm o_relance_mass_preview">%s%s</table>') % (
                head,
                rows,
            )

    # ------------------------------------------------------------------
    # Single invoice
    # ------------------------------------------------------------------

    def _check_ready(self):
        self.ensure_one()
        if not self.stage_id:
            raise UserError(self.env._("Choose the reminder stage to send."))
        if is_html_empty(self.body) or not self.subject:
            # raises the template's error, naming what to fix
            self.subject, self.body = self.env["relance.sender"]._render(
                self._mail_moves(), self.stage_id, stage_by_move=self._stage_by_move()
            )

    def _done(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_send_test(self):
        """Send me a test: to my own address, never counted as a stage."""
        self._check_ready()
        self.env["relance.sender"]._send_test(
            self._mail_moves(),
            self.stage_id,
            subject=self.subject,
            body=self.body,
            attach_pdf=self.attach_pdf,
            channel=self.channel,
        )
        return self._done(
            self.env._(
                "Test of reminder level %(level)s queued for %(email)s: it leaves within a minute.",
                level=self.stage_id.level,
                email=self.env.user.email,
            )
        )

    def action_send_customer(self):
        """Send to the customer: counts as that level, the daily job will not repeat it."""
        self._check_ready()
        if core.uses_email(self.channel) and not self.partner_ids:
            # the customer has no address to mail: say so, as the warning above did
            raise UserError(self.email_warning or self.env._("Add at least one recipient."))
        for move in self._mail_moves():
            if not move._relance_can_remind():
                raise UserError(
                    self.env._("%s has nothing left to pay: there is nothing to remind.", move.display_name)
                )
        self._check_pause()
        logs = self.env["relance.sender"]._send(
            self._mail_moves(),
            self.stage_id,
            "manual",
            stage_by_move=self._stage_by_move(),
            partners=self.partner_ids,
            subject=self.subject,
            body=self.body,
            attach_pdf=self.attach_pdf,
            channel=self.channel,
        )
        if core.uses_letter(self.channel):
            # the letter opens to be printed
            return dict(logs.action_print_letters(), close=True)
        return self._done(
            self.env._(
                "Reminder level %(level)s queued for %(recipients)s: it leaves within a minute.",
                level=self.stage_id.level,
                recipients=", ".join(self.partner_ids.mapped("display_name")),
            )
        )

    @api.depends("move_ids", "stage_id")
    def _compute_activity_pending(self):
        for wizard in self:
            wizard.activity_pending = bool(wizard._mail_moves()._relance_stage_activities(wizard.stage_id._origin))

    def action_record(self):
        """Record without sending (a phone call…): counts as that level; a
        promise to pay pauses the automatic reminders until its date."""
        self._check_ready()
        moves = self._mail_moves()
        if self.promise_date and self.promise_date <= self.move_id.company_id._relance_today():
            raise UserError(
                self.env._(
                    "The promised payment date (%s) has to come after today: clear it, or enter the date the "
                    "customer promised to pay by.",
                    format_date(self.env, self.promise_date),
                )
            )
        self.env["relance.sender"]._record(moves, self.stage_id, note=self.note, stage_by_move=self._stage_by_move())
        if self.activity_done:
            moves._relance_stage_activities(self.stage_id).action_feedback(feedback=self.note or False)
        if self.promise_date:
            moves.write(
                {
                    "relance_paused_until": self.promise_date,
                    "relance_pause_reason": "promise",
                    "relance_pause_note": self.note or False,
                }
            )
            return self._done(
                self.env._(
                    "Reminder level %(level)s recorded; automatic reminders paused until %(date)s (promise to pay).",
                    level=self.stage_id.level,
                    date=format_date(self.env, self.promise_date),
                )
            )
        return self._done(self.env._("Reminder level %s recorded.", self.stage_id.level))

    # ------------------------------------------------------------------
    # Several invoices
    # ------------------------------------------------------------------

    def _mass_plan(self):
        """What “Send the reminders” does to each selected invoice, in order:
        (invoice, stage, channel, None) to send or record (channel "record"),
        (invoice, None, None, reason) to skip. The preview shows it and the
        button does it: both read the planner's plan of today."""
        moves = self.move_ids._origin.sorted(lambda move: (move.name or "", move.id))
        plan = {
            line.invoice_id: line
            for line in self.env["relance.planner"]._get_plan(companies=moves.company_id, move_ids=moves.ids)
        }
        # the next stage ahead of those with none due today or whose due stage
        # was already sent, all in one more plan: as the Next reminder column reads it
        rest = moves.filtered(lambda move: move.id not in plan or plan[move.id].reason == core.REASON_ALREADY_SENT)
        plan.update(rest._relance_plan_lines())
        rows = []
        for move in moves:
            line = plan.get(move.id)
            channel = self._mass_line_channel(line)
            reason = None
            if not move._relance_can_remind():
                reason = self.env._("not a posted customer invoice with something left to pay")
            elif line is None:
                reason = self.env._("no reminder program applies")
            elif move.relance_paused:  # as the wizard of one invoice says it
                reason = move._relance_pause_text()
            elif line.upcoming:
                reason = self.env._(
                    "no reminder due yet (level %(level)s on %(date)s)",
                    level=line.level,
                    date=format_date(self.env, line.due_on),
                )
            elif line.reason == core.REASON_ALREADY_SENT:
                reason = self.env._("every stage was sent")
            elif core.uses_email(channel) and not move.partner_id._relance_emails():
                # the planner's rule, whatever the mode
                reason = self.env._("no valid email address for %s", move.partner_id.display_name)
            elif core.uses_letter(channel) and not move.partner_id._relance_has_postal_address():
                reason = self.env._("no postal address for %s", move.partner_id.display_name)
            if reason:
                rows.append((move, None, None, reason))
            else:
                rows.append((move, self.env["relance.stage"].browse(line.stage_id), channel, None))
        return rows

    def _mass_row_text(self, stage, channel, reason):
        """One preview row, as the person reads it."""
        if reason:
            return self.env._("Skipped: %s", reason)
        if channel == "record":
            return self.env._("Level %s recorded without sending", stage.level)
        return self.env._(
            "Level %(level)s sent %(channel)s",
            level=stage.level,
            channel=self.env["relance.planner"]._channel_phrases()[channel],
        )

    def _mass_prepare_pdfs(self, rows):
        """The PDFs the mails of ``rows`` attach, rendered together per stamp option."""
        if not self.attach_pdf:
            return {}
        by_stamp = {}
        for move, stage, channel, reason in rows:
            if not reason and channel != "record" and core.uses_email(channel):
                by_stamp[stage.stamp_invoice] = by_stamp.get(stage.stamp_invoice, move.browse()) | move
        return self.env["relance.document"]._prepare_batch(by_stamp)

    def _mass_line_channel(self, line):
        """The channel a plan line is sent by in mass mode ("record": none)."""
        if self.mass_channel != "stage":
            return self.mass_channel
        return line.channel if line else core.CHANNEL_EMAIL

    def action_enable_auto(self):
        """The selected invoices are reminded automatically again (as the
        Automatic toggle of Late payments): what switched them off is said."""
        return self._switch_auto(True)

    def action_disable_auto(self):
        return self._switch_auto(False)

    def _switch_auto(self, enabled):
        self.ensure_one()
        moves = self.move_ids._origin.filtered(lambda move: move._relance_can_remind())
        if enabled:
            moves.action_relance_enable_auto()
            if len(moves) == 1:
                return self._done(self.env._("Automatic reminders enabled on 1 invoice."))
            return self._done(self.env._("Automatic reminders enabled on %s invoices.", len(moves)))
        moves.action_relance_disable_auto()
        if len(moves) == 1:
            return self._done(self.env._("Automatic reminders disabled on 1 invoice."))
        return self._done(self.env._("Automatic reminders disabled on %s invoices.", len(moves)))

    def action_send_mass(self):
        """Each invoice its due stage, each to its own customer, by mail,
        letter or both, or recorded without sending: what the preview said.
        The reminders go through the sending service in one batch."""
        self.ensure_one()
        sender = self.env["relance.sender"]
        rows = self._mass_plan()
        skipped = [(move, reason) for move, __, __, reason in rows if reason]
        sent, done, letters = 0, [], self.env["relance.log"]
        mails = []
        for move, stage, channel, reason in rows:
            if reason:
                continue
            if channel == "record":
                sender._record(move, stage, note=self.note)
                sent += 1
                done.append(f"• {move.name}: {self._mass_row_text(stage, channel, None)}")
            else:
                mails.append(RelanceMail(move, stage, channel=channel, attach_pdf=self.attach_pdf))
        logs = sender._send_mails(mails, "manual", pdfs=self._mass_prepare_pdfs(rows)) if mails else letters
        for mail in mails:
            mail_logs = logs.filtered(lambda log, mail=mail: log.move_id == mail.main)
            if not mail_logs:
                skipped.append((mail.main, self.env._("already reminded by another run")))
            elif mail_logs[0].state == "failed":
                skipped.append((mail.main, mail_logs[0].failure_reason))
            else:
                sent += 1
                done.append(f"• {mail.main.name}: {self._mass_row_text(mail.stage, mail.channel, None)}")
                letters |= mail_logs.filtered("letter_attachment_id")
        if self.mass_channel == "record":
            lines = [self.env._("1 reminder recorded.") if sent == 1 else self.env._("%s reminders recorded.", sent)]
        else:
            lines = [
                self.env._("1 reminder queued: it leaves within a minute.")
                if sent == 1
                else self.env._("%s reminders queued: they leave within a minute.", sent)
            ]
        lines += done
        if letters:
            count = len(letters._letter_groups())
            lines.append(
                self.env._("1 letter to print: Reminder History, filter “Letters to print”.")
                if count == 1
                else self.env._("%s letters to print: Reminder History, filter “Letters to print”.", count)
            )
        if skipped:
            lines.append(self.env._("1 skipped:") if len(skipped) == 1 else self.env._("%s skipped:", len(skipped)))
            lines += [f"• {move.name}: {reason}" for move, reason in skipped]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if not skipped else "warning",
                "title": self.env._("Reminders"),
                "message": "\n".join(lines),
                "className": "o_relance_notification",
                "sticky": bool(skipped),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
