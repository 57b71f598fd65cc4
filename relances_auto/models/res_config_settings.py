from odoo import fields, models


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

    def action_relance_open_programs(self):
        return self.env["ir.actions.act_window"]._for_xml_id("relances_auto.relance_program_action")
