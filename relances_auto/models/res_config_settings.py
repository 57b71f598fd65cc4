from odoo import api, fields, models
from odoo.exceptions import UserError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    relance_program_id = fields.Many2one(
        related="company_id.relance_program_id",
        readonly=False,
    )
    relance_program_mode = fields.Selection(
        related="company_id.relance_program_id.mode",
        string="Reminder Mode",
        readonly=False,
    )
    relance_stage_ids = fields.One2many(
        related="company_id.relance_program_id.stage_ids",
        string="Reminder Stages",
        readonly=False,
    )

    relance_program_one_mail = fields.Boolean(
        related="company_id.relance_program_id.one_mail_per_customer",
        readonly=False,
    )
    relance_send_hour = fields.Float(related="company_id.relance_send_hour", readonly=False)
    relance_run_error = fields.Char(related="company_id.relance_run_error")
    relance_digest_user_ids = fields.Many2many(related="company_id.relance_digest_user_ids", readonly=False)
    relance_legal_mention = fields.Boolean(related="company_id.relance_legal_mention", readonly=False)
    relance_late_interest_rate = fields.Float(related="company_id.relance_late_interest_rate", readonly=False)
    relance_fee_product_id = fields.Many2one(related="company_id.relance_fee_product_id", readonly=False)
    relance_fee_auto_post = fields.Boolean(related="company_id.relance_fee_auto_post", readonly=False)

    relance_outdated_template_ids = fields.Many2many(
        "mail.template",
        string="Templates With a New Default",
        compute="_compute_relance_outdated_template_ids",
    )

    @api.depends("company_id")
    def _compute_relance_outdated_template_ids(self):
        templates = self.env["mail.template"]._relance_default_templates()
        outdated = templates.filtered("relance_default_outdated")
        for settings in self:
            settings.relance_outdated_template_ids = outdated

    def action_relance_reset_templates(self):
        """“Reset to the new default”: the edited reminder templates whose
        default changed become the new default again (every language)."""
        self.env["mail.template"]._relance_default_templates().filtered("relance_default_outdated").reset_template()
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_relance_send_simulation(self):
        """Send me a simulation: the digest of what the daily job would do
        today, to the current user only; nothing goes to any customer."""
        self.ensure_one()
        user = self.env.user
        if not user.email:
            raise UserError(self.env._("Your user has no email address: set one in your preferences first."))
        self.execute()  # apply the settings on screen before simulating them
        company = self.company_id or self.env.company
        self.env["relance.job"].with_company(company)._send_digest(company, user)
        self.env["relance.sender"]._trigger_mail_queue()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Simulation queued"),
                "message": self.env._(
                    "The simulation of the next automatic run is queued for %s: it leaves within a minute. "
                    "Nothing is sent to any customer.",
                    user.email,
                ),
            },
        }

    def action_relance_open_programs(self):
        return self.env["ir.actions.act_window"]._for_xml_id("relances_auto.relance_program_action")
