import datetime

import pytz

from odoo import api, fields, models
from odoo.tools import formatLang


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
        domain="[('company_ids', 'in', id), ('share', '=', False)]",
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

    relance_run_error = fields.Char(
        string="Last Run Error",
        readonly=True,
        copy=False,
        help="Why the last automatic run of this company failed; it is tried again at the next run.",
    )
    relance_error_date = fields.Date(string="Last Run Error Date", readonly=True, copy=False)

    relance_legal_mention = fields.Boolean(
        string="French Late-Payment Mentions",
        help="The formal-notice template (level 3) states, for customers that are companies, "
        "the late-payment interest and the fixed €40 recovery indemnity "
        "(French Code de commerce, art. L441-10).",
    )
    relance_late_interest_rate = fields.Float(
        string="Late-Payment Interest Rate (%)",
        digits=(16, 2),
        help="Yearly rate of your terms and conditions. Empty: the legal rate, the European "
        "Central Bank's refinancing rate plus 10 percentage points.",
    )
    relance_late_interest_label = fields.Char(
        string="Late-Payment Interest Rate as Written",
        compute="_compute_relance_late_interest_label",
        help="The rate as written in the reminder, in the reader's language.",
    )

    @api.depends("relance_late_interest_rate")
    @api.depends_context("lang")
    def _compute_relance_late_interest_label(self):
        for company in self:
            rate = company.relance_late_interest_rate
            company.relance_late_interest_label = formatLang(self.env, rate, digits=2) + "\u00a0%" if rate else ""

    @api.constrains("relance_late_interest_rate")
    def _check_relance_late_interest_rate(self):
        for company in self:
            if company.relance_late_interest_rate < 0:
                raise models.ValidationError(self.env._("The late-payment interest rate cannot be negative."))

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
        # users of this company only: one removed from it since stops receiving it
        users = self.relance_digest_user_ids.filtered(lambda u: u.active and self in u.company_ids)
        if not users:
            users = (
                self.env.ref("account.group_account_manager")
                .sudo()
                .users.filtered(lambda u: self in u.company_ids and not u.share and u.active)
            )
        return users.filtered(lambda u: u.email)

    @api.constrains("relance_digest_user_ids")
    def _check_relance_digest_user_ids(self):
        for company in self:
            strangers = company.relance_digest_user_ids.filtered(lambda u, c=company: c not in u.company_ids or u.share)
            if strangers:
                raise models.ValidationError(
                    self.env._(
                        "The simulation digest of %(company)s lists its customers and amounts: only its own "
                        "internal users can receive it, not %(users)s. Give them access to %(company)s first, "
                        "or choose other recipients.",
                        company=company.display_name,
                        users=", ".join(strangers.mapped("name")),
                    )
                )

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
            self.env["relance.program"]._create_courtesy_program(company)
        fee_product = self.env.ref("relances_auto.product_reminder_fees", raise_if_not_found=False)
        if fee_product:
            companies.filtered(lambda c: not c.relance_fee_product_id).sudo().relance_fee_product_id = fee_product
        return companies

    def _relance_tz(self):
        """The company's time zone: its address's, else its digest
        recipients' (its administrators), else UTC; never the time zone of
        whoever asks, so that “today” is the same day for every user."""
        self.ensure_one()
        tz = self.partner_id.tz
        if not tz:
            tz = next((u.tz for u in self.relance_digest_user_ids if u.tz), None)
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _relance_next_run_date(self):
        """The local date of the next automatic run: today, unless today's run is done."""
        self.ensure_one()
        today = self._relance_today()
        if self.relance_run_date and self.relance_run_date >= today:
            return today + datetime.timedelta(days=1)
        return today

    def _relance_today(self):
        """Today in the company's local date (``relance_today`` in the context
        overrides it, e.g. for a simulation of another day)."""
        self.ensure_one()
        forced = self.env.context.get("relance_today")
        if forced:
            return fields.Date.to_date(forced)
        return self._relance_now().date()
