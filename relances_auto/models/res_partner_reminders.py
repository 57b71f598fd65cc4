from odoo import fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    """The customer form's view of reminders: how many were sent, its late
    invoices one click away, and all of them reminded in one mail (seed 002)."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    relance_log_count = fields.Integer(string="Reminders", compute="_compute_relance_counts")
    relance_overdue_count = fields.Integer(string="Late Invoices", compute="_compute_relance_counts")

    def _compute_relance_counts(self):
        Log = self.env["relance.log"]
        Move = self.env["account.move"]
        commercial = self.commercial_partner_id
        logs = dict(
            Log._read_group(
                [
                    ("partner_id", "in", commercial.ids),
                    ("kind", "!=", "test"),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        late = dict(
            Move._read_group(
                [("commercial_partner_id", "in", commercial.ids), ("relance_overdue", "=", True)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.relance_log_count = logs.get(partner.commercial_partner_id, 0)
            partner.relance_overdue_count = late.get(partner.commercial_partner_id, 0)

    def _relance_late_invoices(self):
        """This customer's overdue invoices in the current company, the most late first."""
        self.ensure_one()
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
                ("relance_overdue", "=", True),
            ],
            order="relance_due_date, id",
        )

    def action_relance_view_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("relances_auto.relance_log_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"create": False, "search_default_filter_auto": 1, "search_default_filter_manual": 1}
        return action

    def action_relance_view_late(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("relances_auto.action_relance_late_payments")
        action["domain"] = [
            ("relance_overdue", "=", True),
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
        ]
        action["context"] = {"create": False}
        return action

    def action_relance_remind_all(self):
        """All this customer's overdue invoices in one mail: the reminder
        wizard, its text listing every invoice."""
        self.ensure_one()
        moves = self._relance_late_invoices()
        if not moves:
            raise UserError(self.env._("%s has no overdue invoice to remind.", self.commercial_partner_id.display_name))
        return moves._relance_open_send_wizard()

    def write(self, vals):
        # a new email address is not known to bounce: reminders go to it again
        if "email" in vals:
            changed = self.filtered(lambda partner: partner.message_bounce and partner.email != vals["email"])
            result = super().write(vals)
            if changed:
                changed.message_bounce = 0
            return result
        return super().write(vals)
