import datetime

import pytz

from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_program_id = fields.Many2one(
        "relance.program",
        string="Global Reminder Program",
        domain="[('company_id', '=', id)]",
        help="Reminder program of the customers who follow the global program.",
    )

    @api.constrains("relance_program_id")
    def _check_relance_program_company(self):
        for company in self:
            program = company.relance_program_id
            if program and program.company_id != company:
                raise models.ValidationError(
                    self.env._(
                        "The reminder program “%(program)s” belongs to %(other)s: "
                        "the global program of %(company)s must be one of its own.",
                        program=program.display_name,
                        other=program.company_id.display_name,
                        company=company.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        for company in companies.filtered(lambda c: not c.relance_program_id):
            company.sudo().relance_program_id = self.env["relance.program"]._create_default_program(company)
        return companies

    def _relance_tz(self):
        self.ensure_one()
        return self.partner_id.tz or self.env.user.tz or "UTC"

    def _relance_today(self):
        """Today in the company's local date (``relance_today`` in the context
        overrides it, e.g. for a simulation of another day)."""
        self.ensure_one()
        forced = self.env.context.get("relance_today")
        if forced:
            return fields.Date.to_date(forced)
        now = datetime.datetime.now(datetime.UTC)
        return now.astimezone(pytz.timezone(self._relance_tz())).date()
