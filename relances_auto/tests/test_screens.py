"""What a new user stumbled on (#22), walked again in headless Chromium: a
customer without email, the dashboard's effectiveness drill-down, and the
app's settings."""

import datetime

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.relances_auto.models.relance_sender import RelanceMail
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestScreens(AccountTestInvoicingHttpCommon):
    def _late(self, partner, days_late, amount=500.0):
        today = self.company_data["company"]._relance_today()
        move = self.init_invoice(
            "out_invoice",
            partner=partner,
            amounts=[amount],
            invoice_date=today - datetime.timedelta(days=days_late + 30),
        )
        move.invoice_date_due = today - datetime.timedelta(days=days_late)
        move.action_post()
        move.invoice_date_due = today - datetime.timedelta(days=days_late)
        return move

    def test_a_customer_without_email(self):
        garage = self.env["res.partner"].create(
            {"name": "Garage Chevalier", "is_company": True, "street": "3 rue du Port", "city": "Brest"}
        )
        move = self._late(garage, 16)
        self.start_tour(
            "/odoo/action-relances_auto.action_relance_late_payments",
            "relances_auto_no_email_tour",
            login=self.env.user.login,
        )
        self.assertFalse(move.relance_log_ids, "nothing sent")
        self.assertFalse(garage.email, "nothing changed on the customer")

    def test_effectiveness_opens_what_it_counts(self):
        """Two invoices reminded at level 1, one of them twice (a second
        reminder by hand): the card counts 2 invoices, its list shows 2 lines."""
        company = self.company_data["company"]
        customer = self.env["res.partner"].create({"name": "Client Effet", "email": "effet@example.com"})
        stage = company.relance_program_id.stage_ids.filtered(lambda s: s.level == 1)
        today = company._relance_today()
        moves = self._late(customer, 40) | self._late(customer, 45)
        sender = self.env["relance.sender"]
        for move, days_ago in ((moves[0], 30), (moves[1], 30), (moves[1], 20)):
            values = sender._log_values(RelanceMail(move, stage), "manual", "sent", "x", "x")[0]
            self.env["relance.log"].sudo().create(dict(values, date=today - datetime.timedelta(days=days_ago)))
        row = next(r for r in self.env["relance.dashboard"].get_data()["effectiveness"] if r["level"] == 1)
        self.assertEqual(row["reminded"], 2)
        action = self.env["relance.dashboard"].effectiveness_action(row["program_id"], 1)
        self.assertEqual(self.env["relance.log"].search_count(action["domain"]), 2)
        self.assertNotIn("action", row, "no list of ids in the dashboard's data: it is made on click")
        self.start_tour(
            "/odoo/action-relances_auto.action_relance_dashboard",
            "relances_auto_effectiveness_tour",
            login=self.env.user.login,
        )

    def test_relances_settings_open_at_the_relances_block(self):
        self.env.user.groups_id |= self.env.ref("base.group_system")
        self.start_tour("/odoo", "relances_auto_settings_menu_tour", login=self.env.user.login)
