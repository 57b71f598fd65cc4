import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from .. import params

KINDS = [
    ("paid", "Already paid"),
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
]
STATES = [
    ("open", "Open"),
    ("kept", "Promise kept"),
    ("broken", "Promise not kept"),
    ("done", "Handled"),
    ("replaced", "Replaced by a later answer"),
]
DISPUTE_REASONS = [
    ("not_received", "Goods or service not received"),
    ("amount", "Wrong amount"),
    ("quality", "Quality problem"),
    ("other", "Other"),
]


class RelanceAnswer(models.Model):
    """What a customer answered from the reminder's link (the page of
    ``controllers/answer.py``): already paid, a promise to pay on a date, or a
    dispute. Each answer pauses the invoice's automatic reminders by itself,
    says so in the invoice's chatter and gives its responsible an activity."""

    _name = "relance.answer"
    _description = "Customer Answer to a Reminder"
    _order = "create_date desc, id desc"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True)
    promised_date = fields.Date(help="The day the customer promised to pay by.")
    payment_date = fields.Date(string="Paid On", help="The day the customer says it paid.")
    reason = fields.Selection(DISPUTE_REASONS, string="Dispute Reason")
    note = fields.Text(string="Message")
    attachment_ids = fields.Many2many("ir.attachment", string="Proof")
    state = fields.Selection(STATES, required=True, default="open", index=True)
    activity_id = fields.Many2one("mail.activity", ondelete="set null", readonly=True)

    @api.constrains("kind", "promised_date", "payment_date", "reason")
    def _check_kind_values(self):
        for answer in self:
            if answer.kind == "promise" and not answer.promised_date:
                raise ValidationError(self.env._("A promise to pay needs the date the customer will pay by."))
            if answer.kind == "paid" and not answer.payment_date:
                raise ValidationError(self.env._("“Already paid” needs the date of the payment."))
            if answer.kind == "dispute" and not answer.reason:
                raise ValidationError(self.env._("A dispute needs its reason."))

    @api.depends("move_id", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for answer in self:
            answer.display_name = f"{answer.move_id.name}: {kinds.get(answer.kind, '')}"

    @api.model_create_multi
    def create(self, vals_list):
        answers = super().create(vals_list)
        for answer in answers:
            answer._apply()
        return answers

    # ------------------------------------------------------------------
    # What an answer does
    # ------------------------------------------------------------------

    def _pause_reason(self):
        """The invoice's pause reason this answer sets."""
        return {"dispute": "dispute", "paid": "paid"}.get(self.kind, "promise")

    def _pause_until(self):
        """Until when the answer pauses the invoice's automatic reminders."""
        self.ensure_one()
        today = self.move_id.company_id._relance_today()
        if self.kind == "promise":
            return self.promised_date + datetime.timedelta(
                days=params.get(self.env, "relances_auto.promise_grace_days")
            )
        if self.kind == "paid":  # the time for the payment to be matched
            return today + datetime.timedelta(days=params.get(self.env, "relances_auto.paid_pause_days"))
        return today + datetime.timedelta(days=params.get(self.env, "relances_auto.dispute_pause_days"))

    def _summary(self):
        """One line, in the env's language: what the customer answered."""
        self.ensure_one()
        if self.kind == "promise":
            return self.env._("The customer promised to pay on %s", format_date(self.env, self.promised_date))
        if self.kind == "paid":
            return self.env._("The customer says it paid on %s", format_date(self.env, self.payment_date))
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        return self.env._("The customer disputes the invoice: %s", reasons.get(self.reason, ""))

    def _confirmation(self):
        """What the page tells the customer once it answered (env's language)."""
        self.ensure_one()
        if self.kind == "promise":
            return self.env._("you will pay on %s", format_date(self.env, self.promised_date))
        if self.kind == "paid":
            return self.env._("you paid on %s; we will match your payment", format_date(self.env, self.payment_date))
        return self.env._("you dispute this invoice; we will come back to you")

    def _apply(self):
        """Pause the invoice, tell its chatter, give its responsible an
        activity: written for the company's people, in the company's language
        (the activity in its user's), whatever the customer's. An earlier
        open answer of the invoice is replaced by this one (its activity
        closed): the invoice has one answer in force."""
        self.ensure_one()
        move = self.move_id.sudo()
        office = self.with_context(lang=move.company_id.partner_id.lang or "en_US")
        earlier = (move.relance_answer_ids - self).filtered(lambda answer: answer.state == "open")
        if earlier:
            earlier.state = "replaced"
            earlier._close_activities(office.env._("Replaced by the customer's later answer."))
        until = self._pause_until()
        # one message, by the customer: the pause it sets is said there (no tracking by the public user)
        move.with_context(tracking_disable=True).write(
            {
                "relance_paused_until": until,
                "relance_pause_reason": self._pause_reason(),
                "relance_pause_note": office._summary()[:200],
            }
        )
        body = Markup("<p><strong>%s</strong></p>") % office._summary()
        if self.note:
            body += Markup("<p>%s</p>") % Markup("<br/>").join(self.note.splitlines())
        body += Markup("<p>%s</p>") % office.env._(
            "Automatic reminders paused until %s.", format_date(office.env, until)
        )
        move.message_post(
            body=body,
            author_id=self.partner_id.id,
            attachment_ids=self.attachment_ids.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        user = self._responsible()
        if user:
            answer = self.with_context(lang=user.lang or office.env.lang)
            today = move.company_id._relance_today()
            self.activity_id = move.activity_schedule(
                "mail.mail_activity_data_todo",
                # a promise is checked once its day has come; the others at once
                date_deadline=self.promised_date if self.kind == "promise" else today,
                user_id=user.id,
                summary={
                    "paid": answer.env._("Match the payment the customer reports"),
                    "promise": answer.env._("Check the promised payment"),
                    "dispute": answer.env._("Handle the customer's dispute"),
                }[self.kind],
                note=answer._summary(),
            )

    def _close_activities(self, feedback):
        activities = self.activity_id.sudo().exists()
        if activities:
            activities.action_feedback(feedback=feedback)

    def _responsible(self):
        """Who handles the answer: the invoice's salesperson when an active
        internal user, else the company's first digest recipient."""
        self.ensure_one()
        salesperson = self.move_id.invoice_user_id
        if salesperson and salesperson.active and not salesperson.share:
            return salesperson
        return self.move_id.company_id.relance_digest_user_ids.filtered(lambda user: not user.share)[:1]

    @api.model
    def _check_promises(self, company):
        """Promises whose date (and grace) has passed: kept if the invoice is
        paid, else broken (the pause has ended: reminders resume at the stage
        then due, and the digest says so)."""
        today = company._relance_today()
        grace = datetime.timedelta(days=params.get(self.env, "relances_auto.promise_grace_days"))
        promises = self.sudo().search(
            [("company_id", "=", company.id), ("kind", "=", "promise"), ("state", "=", "open")]
        )
        for answer in promises.filtered(lambda answer: answer.promised_date + grace < today):
            paid = answer.move_id.payment_state in ("paid", "in_payment", "reversed")
            answer.state = "kept" if paid else "broken"
            if paid:  # nothing left to check
                answer._close_activities(self.env._("Promise kept: the invoice is paid."))
        return promises

    def action_done(self):
        """The accountant handled the answer (the dispute settled, the
        payment matched): its activity is done and, when it is the answer in
        force, the invoice's pause ends: reminders resume at the next run, at
        the stage then due, unless the invoice is paid."""
        resumed = False
        for answer in self.filtered(lambda answer: answer.state == "open"):
            move = answer.move_id.sudo()
            answer.state = "done"
            answer._close_activities(self.env._("Handled."))
            # an open answer is the one in force (a later one replaces it): its
            # pause ends, unless the accountant has set another one since
            if move.relance_paused_until and move.relance_pause_reason == answer._pause_reason():
                move.action_relance_resume()
                resumed = True
            move.message_post(
                body=self.env._("%(answer)s: handled by %(user)s.", answer=answer._summary(), user=self.env.user.name),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Marked as handled: its activity is done and the invoice's pause has ended "
                    "(automatic reminders resume, unless it is paid)."
                )
                if resumed
                else self.env._("Marked as handled: its activity is done."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
