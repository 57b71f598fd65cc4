from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import planner as core
from .relance_program import MAX_STAGES

# J+X is at most ten years: a larger delay is a typo, and dates beyond it make no sense.
MAX_DELAY_DAYS = 3650
# J-X: a courtesy reminder at most a month before the due date.
MIN_DELAY_DAYS = -30

CHANNELS = [
    (core.CHANNEL_EMAIL, "Email"),
    (core.CHANNEL_LETTER, "Letter"),
    (core.CHANNEL_EMAIL_LETTER, "Email + letter"),
]


class RelanceStage(models.Model):
    _name = "relance.stage"
    _description = "Reminder Stage"
    _order = "program_id, level, id"
    _check_company_auto = True
    _rec_names_search = ["program_id.name", "subject"]

    program_id = fields.Many2one(
        "relance.program",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="program_id.company_id", store=True, index=True)
    level = fields.Integer(
        required=True,
        default=1,
        help="1 for the first reminder, up to 3.",
    )
    delay_days = fields.Integer(
        string="Days After Due Date",
        required=True,
        default=0,
        help="J+X: the reminder is due this many days after the invoice's due date; negative (down to -30): "
        "a courtesy reminder that many days before it, never stamped “Reminder”, never sent once overdue.",
    )
    subject = fields.Char(
        required=True,
        translate=True,
        help="Subject of the reminder mail; #REF# is replaced by the invoice number "
        "(by the list of numbers when one mail covers several invoices).",
    )
    channel = fields.Selection(
        CHANNELS,
        required=True,
        default=core.CHANNEL_EMAIL,
        help="Email: the reminder is mailed. Letter: a printable reminder letter (PDF) is "
        "stored on the history line, to print from the Reminder History and post. "
        "Email + letter: both.",
    )
    attach_invoice = fields.Boolean(
        string="Attach the invoice",
        default=True,
        help="Attach the invoice PDF to the reminder mail.",
    )
    fee_amount = fields.Monetary(
        string="Reminder Fee",
        currency_field="currency_id",
        help="A fee charged when this stage is sent to the customer (e.g. the fixed 40 € recovery indemnity "
        "owed by business customers in France): a customer invoice of that amount is made for the customer, "
        "once per invoice and level. 0: no fee.",
    )
    currency_id = fields.Many2one(related="program_id.company_id.currency_id")
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Schedule an Activity",
        help="When the stage is reached (by the daily job or by hand), an activity of this type (e.g. a call) "
        "is scheduled once on the invoice, for the program's responsible, else the invoice's salesperson, "
        "due on the day the stage is reached.",
    )
    activity_note = fields.Char(help="What to do, shown on the activity.")
    stamp_invoice = fields.Boolean(
        string="Stamp “Reminder” on the Copy",
        default=True,
        help="The attached copy of an overdue invoice bears a “REMINDER” stamp, in the "
        "customer's language. Only the copy: the invoice and its own PDF never change. "
        "An invoice due on the day it was issued is stamped 12 hours after it was posted.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        required=True,
        domain=[("model", "=", "account.move")],
        default=lambda self: self._default_mail_template(),
        help="The message of the reminder, with the invoice's merge fields.",
    )

    def _default_mail_template(self):
        return self._default_template_for_level(self.env.context.get("default_level") or 1)

    def _default_template_for_level(self, level):
        return self.env.ref(f"relances_auto.mail_template_relance_level_{level}", raise_if_not_found=False)

    @api.constrains("level", "delay_days", "subject", "mail_template_id", "fee_amount")
    def _check_values(self):
        for stage in self:
            if not 1 <= stage.level <= MAX_STAGES:
                raise ValidationError(self.env._("The level of a reminder stage is 1, 2 or 3, not %s.", stage.level))
            if stage.delay_days < MIN_DELAY_DAYS:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s: J%(delay)s is too early: a courtesy reminder is sent at most "
                        "%(min)s days before the due date.",
                        level=stage.level,
                        delay=stage.delay_days,
                        min=-MIN_DELAY_DAYS,
                    )
                )
            if stage.fee_amount < 0:
                raise ValidationError(
                    self.env._("Level %s: a reminder fee cannot be negative (0: no fee).", stage.level)
                )
            if stage.delay_days > MAX_DELAY_DAYS:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s: the delay J+%(delay)s is too long: a reminder is sent at most "
                        "%(max)s days (ten years) after the due date.",
                        level=stage.level,
                        delay=stage.delay_days,
                        max=MAX_DELAY_DAYS,
                    )
                )
            if not (stage.subject or "").strip():
                raise ValidationError(self.env._("Level %s: enter the subject of the reminder mail.", stage.level))
            if stage.mail_template_id.model != "account.move":
                raise ValidationError(
                    self.env._(
                        "Level %(level)s: the mail template “%(template)s” is not a template of invoices.",
                        level=stage.level,
                        template=stage.mail_template_id.display_name,
                    )
                )

    @api.onchange("level")
    def _onchange_level(self):
        defaults = self.env["mail.template"].browse(
            [t.id for lvl in range(1, MAX_STAGES + 1) if (t := self._default_template_for_level(lvl))]
        )
        if self.level and (not self.mail_template_id or self.mail_template_id in defaults):
            self.mail_template_id = self._default_template_for_level(self.level) or self.mail_template_id

    # The program-wide rules (1 to 3 stages, delays increasing with the level)
    # are checked once the whole change is saved: when stages are edited through
    # their program, the program's own constraint does it after all its lines.
    def _check_programs(self, programs):
        if not self.env.context.get("relance_defer_program_check"):
            programs.exists()._check_stage_ids()

    @api.model_create_multi
    def create(self, vals_list):
        stages = super().create(vals_list)
        self._check_programs(stages.program_id)
        return stages

    def write(self, vals):
        programs = self.program_id
        result = super().write(vals)
        self._check_programs(programs | self.program_id)
        return result

    def unlink(self):
        programs = self.program_id
        result = super().unlink()
        self._check_programs(programs)
        return result

    @api.depends("program_id", "level", "delay_days")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for stage in self:
            stage.display_name = self.env._(
                "%(program)s – level %(level)s (%(delay)s)",
                program=stage.program_id.name or "",
                level=stage.level,
                delay=stage._delay_label(),
            )

    def _delay_label(self):
        """J+15, J-3 (before the due date) or J+0."""
        self.ensure_one()
        return f"J-{-self.delay_days}" if self.delay_days < 0 else f"J+{self.delay_days}"
