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

    relance_send_hour = fields.Float(
        string="Reminder Sending Hour",
        default=7.0,
        help="Local time (company's time zone) at which the daily job mails the "
        "simulation digest, then sends the automatic reminders.",
    )
    relance_digest_user_ids = fields.Many2many(
        "res.users",
        "res_company_relance_digest_user_rel",
        "company_id",
        "user_id",
        string="Simulation Digest Recipients",
        help="Who receives the simulation digest every morning; by default the "
        "accounting administrators of the company.",
    )
    relance_digest_date = fields.Date(string="Last Simulation Digest", readonly=True, copy=False)
    relance_run_date = fields.Date(
        string="Last Automatic Run",
        readonly=True,
        copy=False,
        help="Local date of the last completed automatic run.",
    )

    @api.constrains("relance_send_hour")
    def _check_relance_send_hour(self):
        for company in self:
            if not 0 <= company.relance_send_hour < 24:
                raise models.ValidationError(
                    self.env._("The reminder sending hour is a time of day, between 00:00 and 23:59.")
                )

    def _relance_digest_recipients(self):
        """The digest's recipients: as set, else the company's accounting administrators."""
        self.ensure_one()
        users = self.relance_digest_user_ids.filtered("active")
        if not users:
            users = (
                self.env.ref("account.group_account_manager")
                .sudo()
                .users.filtered(lambda u: self in u.company_ids and not u.share and u.active)
            )
        return users.filtered(lambda u: u.email)

    def _relance_now(self):
        """The company's local date and time."""
        self.ensure_one()
        now = datetime.datetime.now(datetime.UTC)
        return now.astimezone(pytz.timezone(self._relance_tz()))

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
        """The company's time zone: its address's, else its administrators'."""
        self.ensure_one()
        tz = self.partner_id.tz or self.env.user.tz
        if not tz:
            tz = next((u.tz for u in self.relance_digest_user_ids if u.tz), None)
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _relance_today(self):
        """Today in the company's local date (``relance_today`` in the context
        overrides it, e.g. for a simulation of another day)."""
        self.ensure_one()
        forced = self.env.context.get("relance_today")
        if forced:
            return fields.Date.to_date(forced)
        return self._relance_now().date()
