from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    relance_days_late = fields.Integer(
        string="Days Late",
        compute="_compute_relance_days_late",
        help="Days since the due date, in the company's local date.",
    )
    relance_mail_move_ids = fields.Many2many(
        "account.move",
        string="Invoices in the Reminder",
        compute="_compute_relance_mail_move_ids",
        help="The invoices a reminder mail lists: this invoice, or all the customer's "
        "invoices when one mail covers several.",
    )

    @api.depends("invoice_date_due", "company_id")
    @api.depends_context("relance_today")
    def _compute_relance_days_late(self):
        for move in self:
            if move.invoice_date_due:
                today = move.company_id._relance_today()
                move.relance_days_late = max((today - move.invoice_date_due).days, 0)
            else:
                move.relance_days_late = 0

    @api.depends_context("relance_move_ids")
    def _compute_relance_mail_move_ids(self):
        listed = self.browse(self.env.context.get("relance_move_ids") or [])
        for move in self:
            move.relance_mail_move_ids = listed if move in listed else move
