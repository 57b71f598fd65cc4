from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize_all, formataddr

from .. import planner as core


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Company-dependent, as Odoo does for payment terms: each company decides
    # how it reminds a customer. Read on the commercial partner.
    relance_policy = fields.Selection(
        [
            ("global", "Global program"),
            ("custom", "Custom program"),
            ("none", "No automatic reminders"),
        ],
        string="Reminder Policy",
        company_dependent=True,
        help="Global program: the company's program from Settings.\n"
        "Custom program: the program chosen here.\n"
        "No automatic reminders: reminders are only sent by hand from the invoice.",
    )
    relance_program_id = fields.Many2one(
        "relance.program",
        string="Reminder Program",
        company_dependent=True,
        domain="[('company_id', '=', current_company_id)]",
        help="The reminder program of this customer when its policy is “Custom program”.",
    )

    def _relance_emails(self):
        """The valid addresses of this contact's email field: a field may list
        several (“compta@x.fr, dg@x.fr”), Odoo's mail queue mails each one."""
        self.ensure_one()
        return email_normalize_all(self.email or "")

    def _relance_recipients_text(self):
        """The addresses these contacts are mailed at, as a person reads them."""
        return ", ".join(
            formataddr((partner.name or "", email)) for partner in self for email in partner._relance_emails()
        )

    def _relance_has_postal_address(self):
        """A reminder letter can be posted to this contact: a street and a city
        (the planner's loader reads the same two columns in SQL)."""
        self.ensure_one()
        return bool(self.street and self.city)

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "relance_policy", "relance_program_id"]

    @api.constrains("relance_policy", "relance_program_id")
    def _check_relance_policy(self):
        company = self.env.company
        for partner in self:
            program = partner.relance_program_id
            if partner.relance_policy == "custom" and not program:
                raise ValidationError(
                    self.env._(
                        "%(partner)s follows a custom reminder program: choose the program.",
                        partner=partner.display_name,
                    )
                )
            if program and program.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The reminder program “%(program)s” belongs to %(other)s, not to %(company)s: "
                        "choose a program of %(company)s for %(partner)s.",
                        program=program.display_name,
                        other=program.company_id.display_name,
                        company=company.display_name,
                        partner=partner.display_name,
                    )
                )

    @api.onchange("relance_policy")
    def _onchange_relance_policy(self):
        if self.relance_policy != "custom":
            self.relance_program_id = False

    def _get_relance_program(self, company=None, automatic=True):
        """The program of this customer in ``company``, by the planner's rule:
        the one that reminds it automatically (empty for policy “none”), or
        with ``automatic=False`` the one whose stages apply to it."""
        self.ensure_one()
        company = company or self.env.company
        partner = self.commercial_partner_id.with_company(company)
        resolve = core.automatic_program_id if automatic else core.stage_program_id
        program_id = resolve(
            partner.relance_policy or "global",
            partner.relance_program_id.id,
            company.sudo().relance_program_id.id,
        )
        return self.env["relance.program"].browse(program_id)
