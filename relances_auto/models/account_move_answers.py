import base64

from markupsafe import Markup

from odoo import api, fields, models


class AccountMove(models.Model):
    """The customer's answers to its reminders: every reminder carries a
    personal link to a page (``controllers/answer.py``) where the customer
    says it paid, promises a date or disputes the invoice."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    relance_answer_ids = fields.One2many("relance.answer", "move_id", string="Customer Answers")
    relance_answer_count = fields.Integer(string="Answers", compute="_compute_relance_answer_count")

    @api.depends("relance_answer_ids")
    def _compute_relance_answer_count(self):
        for move in self:
            move.relance_answer_count = len(move.relance_answer_ids)

    def _relance_answer_url(self):
        """The customer's personal link: no login, the invoice's portal token."""
        self.ensure_one()
        return f"{self.get_base_url()}/relances/answer/{self.id}?access_token={self.sudo()._portal_ensure_token()}"

    def _relance_add_answer_link(self, body, letter=False):
        """The reminder's body with the customer's link to answer it (a
        letter prints the address)."""
        self.ensure_one()
        url = self._relance_answer_url()
        if letter:  # the address, and its QR code for a phone's camera
            qr = self.env["ir.actions.report"].barcode("QR", url, width=110, height=110)
            return Markup(
                '%s<p>%s %s</p><p><img class="o_relance_answer_qr" src="data:image/png;base64,%s" alt="QR"/></p>'
            ) % (
                Markup(body),
                self.env._("Already paid, paying on a given date, or disputing this invoice? Tell us at:"),
                url,
                base64.b64encode(qr).decode(),
            )
        return Markup('%s<p>%s <a href="%s">%s</a></p>') % (
            Markup(body),
            self.env._("Already paid, paying on a given date, or disputing this invoice? Tell us here:"),
            url,
            self.env._("answer this reminder"),
        )

    def action_relance_open_answers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("relances_auto.relance_answer_action")
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id}
        return action
