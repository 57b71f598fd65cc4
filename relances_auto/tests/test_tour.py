import datetime

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.relances_auto.models.relance_sender import RelanceMail
from odoo.tests import tagged

from .common import read_digest


@tagged("post_install", "-at_install")
class TestRelancesTour(AccountTestInvoicingHttpCommon):
    def test_send_test_from_invoice(self):
        """An accountant opens an overdue invoice, tests its reminder on
        themselves, and sees it in the history: in the real web client."""
        company = self.company_data["company"]
        customer = self.env["res.partner"].create({"name": "Client Tour", "email": "client.tour@example.com"})
        # The browser runs on the real clock: the invoice is 16 days late today,
        # so that level 2 (J+15) of the default program is due.
        today = company._relance_today()
        move = self.init_invoice(
            "out_invoice", partner=customer, amounts=[500.0], invoice_date=today - datetime.timedelta(days=40)
        )
        move.invoice_date_due = today - datetime.timedelta(days=16)
        move.action_post()
        move.invoice_date_due = today - datetime.timedelta(days=16)
        self.assertTrue(self.env.user.email)
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{move.id}",
            "relances_auto_send_test_tour",
            login=self.env.user.login,
        )
        log = move.relance_log_ids
        self.assertEqual((log.kind, log.level, log.state), ("test", 2, "queued"))
        self.assertEqual(log.mail_id.recipient_ids, self.env.user.partner_id)
        self.assertEqual(move.relance_last_level, 0)

    def test_settings_screen(self):
        """An administrator switches the global program to automatic in Settings."""
        company = self.company_data["company"]
        self.env.user.groups_id |= self.env.ref("base.group_system")
        self.start_tour("/odoo/settings#relances_auto", "relances_auto_settings_tour", login=self.env.user.login)
        self.assertEqual(company.relance_program_id.mode, "auto")

    def test_customer_override_screen(self):
        """An accountant gives a customer its own program on the customer form."""
        company = self.company_data["company"]
        program = self.env["relance.program"].create(
            {
                "name": "Tour program",
                "company_id": company.id,
                "stage_ids": [Command.create({"level": 1, "delay_days": 3, "subject": "Rappel #REF#"})],
            }
        )
        customer = self.env["res.partner"].create({"name": "Client Form", "is_company": True})
        url = f"/odoo/action-account.res_partner_action_customer/{customer.id}"
        self.start_tour(url, "relances_auto_partner_tour", login=self.env.user.login)
        self.assertEqual(customer.relance_policy, "custom")
        self.assertEqual(customer.relance_program_id, program)

    def test_print_letters_from_history(self):
        """An accountant filters the letters to print in the Reminder History,
        prints them in one PDF, and they are marked printed."""
        company = self.company_data["company"]
        customer = self.env["res.partner"].create(
            {"name": "Client Courrier", "is_company": True, "street": "5 rue Haute", "city": "Nantes"}
        )
        stage = company.relance_program_id.stage_ids.filtered(lambda s: s.level == 1)
        stage.channel = "letter"
        today = company._relance_today()
        move = self.init_invoice(
            "out_invoice", partner=customer, amounts=[300.0], invoice_date=today - datetime.timedelta(days=40)
        )
        move.action_post()
        move.invoice_date_due = today - datetime.timedelta(days=10)
        log = move.env["relance.sender"]._send(move, stage, "manual")
        self.assertEqual(log.state, "to_print")
        # a reminder that is not a letter: the filtered list no longer shows it
        other = self.init_invoice(
            "out_invoice",
            partner=self.env["res.partner"].create({"name": "Client Phone", "is_company": True}),
            amounts=[100.0],
            invoice_date=today - datetime.timedelta(days=40),
            post=True,
        )
        other.env["relance.sender"]._record(other, stage, note="Phone call")
        url = "/odoo/action-relances_auto.relance_log_action"
        self.start_tour(url, "relances_auto_letters_tour", login=self.env.user.login)
        self.assertEqual(log.state, "printed")
        response = self.url_open(f"/relances_auto/letters?log_ids={log.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertEqual(response.content, log.letter_attachment_id.raw, "the letter as stored")
        # a GET changes nothing: no letter is made for a line that has none
        phone = other.relance_log_ids
        self.assertEqual(self.url_open(f"/relances_auto/letters?log_ids={phone.id}").status_code, 404)
        self.assertFalse(phone.letter_attachment_id)

    def _late_invoice(self, customer, days_late, amount=400.0):
        today = self.company_data["company"]._relance_today()
        move = self.init_invoice(
            "out_invoice", partner=customer, amounts=[amount], invoice_date=today - datetime.timedelta(days=60)
        )
        move.action_post()
        move.invoice_date_due = today - datetime.timedelta(days=days_late)
        return move

    def test_stage_picker_and_recorded_call(self):
        """The Stage picker lists the program's stages; a call recorded at
        level 1 counts as level 1, with its note in the Note column."""
        customer = self.env["res.partner"].create({"name": "Client Appel", "email": "appel@example.com"})
        move = self._late_invoice(customer, 45)  # level 3 (J+30) due
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{move.id}",
            "relances_auto_stage_picker_tour",
            login=self.env.user.login,
        )
        log = move.relance_log_ids
        self.assertEqual((log.level, log.state, log.note), (1, "recorded", "Called the accountant, will pay Friday"))
        self.assertEqual(move.relance_last_level, 1)

    def test_mass_preview_then_send(self):
        """Invoice list > select > Send the due reminders: preview, send, summary."""
        alpha = self._late_invoice(
            self.env["res.partner"].create({"name": "Masse Alpha", "email": "alpha@example.com"}), 16
        )
        beta = self._late_invoice(self.env["res.partner"].create({"name": "Masse Beta"}), 16)
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "relances_auto_mass_preview_tour",
            login=self.env.user.login,
        )
        self.assertEqual((alpha.relance_log_ids.level, alpha.relance_log_ids.state), (2, "queued"))
        self.assertFalse(beta.relance_log_ids)

    def test_send_me_a_simulation(self):
        self.env.user.groups_id |= self.env.ref("base.group_system")
        self.start_tour("/odoo/settings#relances_auto", "relances_auto_simulation_tour", login=self.env.user.login)
        digest = self.env["mail.mail"].search([("recipient_ids", "=", self.env.user.partner_id.id)])
        self.assertTrue(digest.filtered(lambda m: "Simulation of the automatic reminders" in m.body_html))

    def _relances_app_data(self):
        """An automatic program, a late invoice whose level 2 is due, and a
        level-1 reminder paid 5 days after it (the effectiveness table)."""
        company = self.company_data["company"]
        company.relance_program_id.mode = "auto"
        customer = self.env["res.partner"].create(
            {"name": "Client App", "email": "client.app@example.com", "is_company": True}
        )
        today = company._relance_today()
        late = self.init_invoice(
            "out_invoice", partner=customer, amounts=[800.0], invoice_date=today - datetime.timedelta(days=50)
        )
        late.invoice_date_due = today - datetime.timedelta(days=16)
        late.action_post()
        late.invoice_date_due = today - datetime.timedelta(days=16)
        paid = self.init_invoice(
            "out_invoice", partner=customer, amounts=[300.0], invoice_date=today - datetime.timedelta(days=80)
        )
        paid.action_post()
        stage = company.relance_program_id.stage_ids.filtered(lambda s: s.level == 1)
        values = paid.env["relance.sender"]._log_values(RelanceMail(paid, stage), "auto", "sent", "x", "x")[0]
        self.env["relance.log"].sudo().create(dict(values, date=today - datetime.timedelta(days=40)))
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=paid.ids).create(
            {"payment_date": today - datetime.timedelta(days=35)}
        )._create_payments()
        return late

    def test_relances_app_from_the_home_screen(self):
        """A new accountant opens the Relances app from the home screen, reads
        the dashboard, follows a figure, and reminds a late invoice from Late
        payments in two clicks."""
        self._relances_app_data()
        self.start_tour("/odoo", "relances_auto_app_tour", login=self.env.user.login)

    def test_relances_app_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        self._relances_app_data()
        self.env.user.lang = "fr_FR"
        self.start_tour("/odoo", "relances_auto_app_tour_fr", login=self.env.user.login)

    def test_pause_an_invoice_and_read_it_in_the_digest(self):
        """An accountant pauses a disputed invoice from its Relances tab; the
        daily digest then lists it as not sent, until when and why."""
        company = self.company_data["company"]
        company.relance_program_id.mode = "auto"
        late = self._relances_app_data()
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{late.id}",
            "relances_auto_pause_tour",
            login=self.env.user.login,
        )
        self.assertEqual(late.relance_paused_until, datetime.date(2030, 12, 31))
        self.assertEqual(
            (late.relance_pause_reason, late.relance_pause_note), ("dispute", "Contests the delivery of March")
        )
        plan = self.env["relance.planner"]._get_plan(companies=company)
        rows = read_digest(self.env["relance.digest"]._render(company, plan)[1])["rows"]
        row = next(row for row in rows if row["invoice"] == late.name)
        self.assertEqual(row["status"], "Not sent: Invoice paused until 12/31/2030: Dispute")
        self.env["relance.job"]._run(companies=company, force=True)
        self.assertFalse(late.relance_log_ids.filtered(lambda log: log.kind == "auto"), "not reminded while paused")
