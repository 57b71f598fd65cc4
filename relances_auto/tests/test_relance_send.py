from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import RelancesCommon, html_text


@tagged("post_install", "-at_install")
@freeze_time("2026-03-31 10:00:00")
class TestRelanceSend(RelancesCommon):
    """“Tester ou relancer manuellement” and the mass action."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.move = cls._create_invoice(due_date="2026-03-15")  # 16 days late: level 2 due
        cls.stage_2 = cls.program.stage_ids.filtered(lambda s: s.level == 2)

    def _wizard(self, move=None, user=None):
        action = (move or self.move).with_user(user or self.billing_user).action_relance_open_send()
        return Form(
            self.env[action["res_model"]].with_user(user or self.billing_user).with_context(**action["context"])
        )

    def test_wizard_defaults(self):
        wizard = self._wizard()
        self.assertEqual(wizard.stage_id, self.stage_2, "the stage due")
        self.assertEqual(wizard.partner_ids[:], self.customer)
        self.assertEqual(wizard.subject, f"Second reminder: invoice {self.move.name} is still unpaid")
        self.assertIn("Dupont SARL", wizard.body)
        self.assertIn(self.move.name, wizard.body)
        self.assertIn("1,000.00", wizard.body)
        self.assertTrue(wizard.attach_pdf)

    def test_wizard_default_is_next_stage_when_nothing_due(self):
        move = self._create_invoice(due_date="2026-03-30")
        self.assertEqual(self._wizard(move).stage_id.level, 1)

    def test_send_me_a_test(self):
        messages_before = self.move.message_ids
        with self.mock_mail_gateway():
            self._wizard().save().action_send_test()
        mail = self._new_mails
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.billing_user.partner_id)
        self.assertFalse(mail.email_to, "one copy")
        self.assertTrue(mail.subject.startswith("[Test] Second reminder"))
        self.assertEqual(mail.state, "outgoing")
        self.assertTrue(mail.attachment_ids, "the invoice is attached")
        log = self.move.relance_log_ids
        self.assertEqual((log.kind, log.level, log.state, log.mail_id), ("test", 2, "queued", mail))
        self.assertEqual(self.move.relance_last_level, 0, "a test never counts")
        self.assertEqual(self.move.message_ids, messages_before, "nothing posted to the customer")
        self.assertNotIn(self.customer, mail.recipient_ids)

    def test_the_test_mail_is_the_customer_s_mail_with_a_banner(self):
        """What the user reads in the test is what the customer reads (Odoo's
        layout, its button and footer), under a banner; in English and French."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        for lang, banner, button in (
            (
                "en_US",
                "Test — sent to you only: this is the mail Dupont SARL would receive, without this banner.",
                "View Invoice",
            ),
            (
                "fr_FR",
                "Test — envoyé à vous seul : c'est le mail que recevrait Dupont SARL, sans ce bandeau.",
                "Voir Facture",
            ),
        ):
            self.customer.lang = self.billing_user.lang = lang
            with self.mock_mail_gateway():
                self._wizard().save().action_send_test()
                test = self._new_mails
                self._wizard().save().action_send_customer()
                real = self._new_mails - test
            test_text, real_text = html_text(test.body_html), html_text(real.body_html)
            self.assertTrue(test_text.startswith(banner), test_text[:200])
            self.assertEqual(test_text[len(banner) :].strip(), real_text, "then the customer's mail, word for word")
            self.assertIn(button, real_text, "with its button")
            self.assertIn(self.company.name, real_text, "and the company's footer")
            self.move.relance_log_ids.filtered(lambda log: log.kind == "manual").sudo().unlink()

    def test_a_customer_without_email_is_said_before_anything_opens(self):
        no_mail = self.env["res.partner"].create({"name": "Garage Chevalier", "is_company": True})
        move = self._create_invoice(partner=no_mail, due_date="2026-03-15")
        wizard = self._wizard(move)
        self.assertFalse(wizard.partner_ids[:], "no recipient to complete: nothing opens over the wizard")
        self.assertEqual(
            wizard.email_warning,
            "Garage Chevalier has no email address nor postal address: add one on the customer to remind it.",
        )
        no_mail.write({"street": "3 rue du Port", "city": "Brest"})
        wizard = self._wizard(move)
        self.assertEqual(
            wizard.email_warning,
            "Garage Chevalier has no email address: the reminder goes by letter. To mail it, add an address on the "
            "customer.",
        )
        self.assertEqual(wizard.channel, "letter", "the letter is chosen: nothing to mail it to")
        self.assertFalse(self._wizard().email_warning, "a customer with an address: no warning")

    def test_send_to_customer(self):
        with self.mock_mail_gateway():
            self._wizard().save().action_send_customer()
        log = self.move.relance_log_ids
        self.assertEqual((log.kind, log.level, log.state), ("manual", 2, "queued"))
        self.assertEqual(log.user_id, self.billing_user)
        mail = self.assertMailMail(
            self.customer,
            "outgoing",
            fields_values={"subject": f"Second reminder: invoice {self.move.name} is still unpaid"},
        )
        self.assertEqual(log.mail_id, mail)
        self.assertTrue(mail.attachment_ids)
        self.assertIn(log.mail_message_id, self.move.message_ids, "posted on the invoice's chatter")
        self.assertEqual((self.move.relance_last_level, self.move.relance_count), (2, 1))
        line = self._plan(self.move)[self.move.id]
        self.assertEqual(line.reason, "already_sent", "the automatic run will not repeat it")

    def test_edited_subject_and_body_for_this_send_only(self):
        template_body = self.stage_2.mail_template_id.body_html
        with self.mock_mail_gateway():
            form = self._wizard()
            form.subject = "Custom subject"
            form.body = "<p>Custom body</p>"
            form.attach_pdf = False
            form.save().action_send_customer()
        mail = self.assertMailMail(self.customer, "outgoing", fields_values={"subject": "Custom subject"})
        self.assertIn("Custom body", mail.body_html)
        self.assertFalse(mail.attachment_ids)
        self.assertEqual(self.stage_2.mail_template_id.body_html, template_body, "the template is unchanged")

    def test_record_without_sending(self):
        with self.mock_mail_gateway():
            form = self._wizard()
            form.note = "Phone call, will pay Friday"
            form.save().action_record()
        self.assertFalse(self._new_mails)
        log = self.move.relance_log_ids
        self.assertEqual((log.kind, log.state, log.level, log.channel), ("manual", "recorded", 2, "other"))
        self.assertEqual(self.move.relance_last_level, 2)

    def test_log_follows_the_mail_queue(self):
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self._wizard().save().action_send_customer()
            log = self.move.relance_log_ids
            self.assertEqual(log.state, "queued")
            log.mail_id.send()
        self.assertEqual(log.state, "sent")

    def test_failed_mail_is_recorded_and_counts_while_retried(self):
        with self.mock_mail_gateway():
            self._wizard().save().action_send_customer()
        log = self.move.relance_log_ids
        log.mail_id.write({"state": "exception", "failure_reason": "Mailbox unavailable"})
        log.mail_id._postprocess_sent_message(
            success_pids=[], failure_reason="Mailbox unavailable", failure_type="mail_smtp"
        )
        self.assertEqual((log.state, log.failure_reason, log.delivery_failed), ("failed", "Mailbox unavailable", True))
        self.assertEqual(self.move.relance_last_level, 2, "retried at the next hourly runs: never sent twice")

    def test_a_wrong_address_is_not_retried_and_does_not_count(self):
        with self.mock_mail_gateway():
            self._wizard().save().action_send_customer()
        log = self.move.relance_log_ids
        log.mail_id.write({"state": "exception", "failure_reason": "Invalid address"})
        log.mail_id._postprocess_sent_message(success_pids=[], failure_type="mail_email_invalid")
        self.assertEqual((log.state, log.delivery_failed), ("failed", False))
        self.assertEqual(self.move.relance_last_level, 0, "a reminder that reached nobody is not a sent one")

    def test_no_email_address(self):
        partner = self.env["res.partner"].create({"name": "Sans Mail", "is_company": True})
        move = self._create_invoice(partner=partner, due_date="2026-03-15")
        with self.assertRaisesRegex(
            UserError, "Sans Mail has no email address nor postal address: add one on the customer to remind it."
        ):
            self._wizard(move).save().action_send_customer()
        partner.email = "not-an-address"
        with self.assertRaisesRegex(
            UserError, "The email address of Sans Mail, “not-an-address”, is not valid: correct it on the customer."
        ):
            self._wizard(move).save().action_send_customer()
        self.assertFalse(move.relance_log_ids, "nothing recorded")

    def test_test_needs_my_address(self):
        self.billing_user.email = False
        with self.assertRaisesRegex(UserError, "Your user has no valid email address"):
            self._wizard().save().action_send_test()

    def test_template_error(self):
        self.stage_2.mail_template_id.sudo().body_html = '<p t-out="object.no_such_field"/>'
        form = self._wizard()
        self.assertIn("cannot be rendered", form.render_error)
        with self.assertRaisesRegex(UserError, "cannot be rendered"):
            form.save().action_send_customer()
        self.assertFalse(self.move.relance_log_ids)

    def test_paid_invoice_cannot_be_reminded(self):
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=self.move.ids).create(
            {"payment_date": "2026-03-30"}
        )._create_payments()
        with self.assertRaisesRegex(UserError, "nothing left to pay"):
            self._wizard().save().action_send_customer()

    def test_not_for_draft_invoices(self):
        draft = self._create_invoice(post=False)
        with self.assertRaisesRegex(UserError, "Only posted customer invoices"):
            draft.action_relance_open_send()

    def test_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.stage_2.with_context(lang="fr_FR").subject = "Deuxième relance : facture #REF#"
        self.customer.lang = "fr_FR"
        form = self._wizard()
        self.assertEqual(form.subject, f"Deuxième relance : facture {self.move.name}")

    def test_mass_send_due_reminders(self):
        not_late = self._create_invoice(due_date="2026-03-30")
        nomail_partner = self.env["res.partner"].create({"name": "Sans Mail", "is_company": True})
        nomail = self._create_invoice(partner=nomail_partner, due_date="2026-03-01")
        other_partner = self.env["res.partner"].create(
            {"name": "Autre Client", "email": "autre@example.com", "is_company": True}
        )
        other = self._create_invoice(partner=other_partner, due_date="2026-03-01")
        moves = self.move | not_late | nomail | other
        action = moves.with_user(self.billing_user).action_relance_send_due()
        wizard = self.env["relance.send"].with_user(self.billing_user).with_context(**action["context"]).create({})
        self.assertIn("Level 2 sent by email", wizard.mass_summary)
        with self.mock_mail_gateway():
            result = wizard.action_send_mass()
        self.assertEqual(self.move.relance_log_ids.level, 2)
        self.assertEqual(other.relance_log_ids.level, 3)
        self.assertFalse(not_late.relance_log_ids)
        self.assertFalse(nomail.relance_log_ids)
        self.assertMailMail(self.customer, "outgoing")
        self.assertMailMail(other_partner, "outgoing")
        self.assertEqual(len(self._new_mails), 2, "one mail per invoice")
        message = result["params"]["message"]
        self.assertIn("2 reminders queued: they leave within a minute.", message)
        self.assertIn(f"{not_late.name}: no reminder due yet", message)
        self.assertIn(f"{nomail.name}: no valid email address", message)
