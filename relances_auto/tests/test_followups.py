import datetime

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import RelancesCommon, read_digest

TODAY = datetime.date(2026, 3, 31)
AT_HOUR = "2026-03-31 09:00:00"


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


def text(body):
    """The mail as a person reads it, white space made single."""
    return " ".join(lxml_html.fromstring(body).text_content().split())


@tagged("post_install", "-at_install")
class TestFollowups(RelancesCommon):
    """The rest of the user's pages: courtesy reminders before the due date
    (seed 000), reminder fees (seed 001), a call to make, and invoices paused
    for a dispute or a promise to pay, as the job, the digest and the wizard
    show them, in English and French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        cls.company.relance_digest_user_ids = cls.manager_user
        cls.courtesy = cls.env["relance.program"].search(
            [("company_id", "=", cls.company.id), ("name", "=", "Courtesy and reminders")]
        )
        cls.courtesy.mode = "auto"
        cls.company.relance_program_id = cls.courtesy

    def _run(self):
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self.env["relance.job"].with_context(relance_today=TODAY)._run(companies=self.company, force=True)
            return self._new_mails

    def _digest(self, lang="en_US"):
        self.manager_user.lang = lang
        plan = self.env["relance.planner"]._get_plan(companies=self.company, today=TODAY)
        digest = self.env["relance.digest"].with_context(lang=lang, relance_today=TODAY)
        return read_digest(digest._render(self.company, plan)[1])

    def _stage(self, level):
        return self.courtesy.stage_ids.filtered(lambda s: s.level == level)

    # ------------------------------------------------------------------
    # Courtesy reminders (J-3)
    # ------------------------------------------------------------------

    def test_default_courtesy_program(self):
        self.assertEqual(self.courtesy.stage_ids.mapped("delay_days"), [-3, 3, 15])
        self.assertEqual(self.courtesy.stage_ids.mapped("display_name")[0], "Courtesy and reminders – level 1 (J-3)")
        fr = self.courtesy.with_context(lang="fr_FR")
        self.assertEqual(fr.name, "Courtoisie et relances")
        self.assertEqual(fr.stage_ids[0].subject, "La facture #REF# arrive bientôt à échéance")
        standard = self.env["relance.program"].search(
            [("company_id", "=", self.company.id), ("name", "=", "Standard reminders")]
        )
        self.assertEqual(standard.stage_ids.mapped("delay_days"), [7, 15, 30], "the default stays J+7 / J+15 / J+30")

    def test_courtesy_reminder_before_the_due_date(self):
        soon = self._create_invoice(due_date=TODAY + datetime.timedelta(days=2))
        overdue = self._create_invoice(due_date=days_ago(1))  # its courtesy time is over; J+3 not yet
        french = self.env["res.partner"].create(
            {"name": "Martin SA", "email": "compta@martin.example.com", "is_company": True, "lang": "fr_FR"}
        )
        soon_fr = self._create_invoice(partner=french, due_date=TODAY + datetime.timedelta(days=3))
        rows = {row["invoice"]: row for row in self._digest()["rows"]}
        self.assertEqual(rows[soon.name]["days_late"], "due in 2 days")
        self.assertEqual(rows[soon.name]["status"], "Will be sent by email")
        self.assertNotIn(overdue.name, rows, "a courtesy notice never goes once the invoice is overdue")
        rows_fr = {row["invoice"]: row for row in self._digest("fr_FR")["rows"]}
        self.assertEqual(rows_fr[soon_fr.name]["days_late"], "échéance dans 3 jours")
        self._stage(1).attach_invoice = True
        mails = self._run()
        mail = soon.relance_log_ids.mail_id
        self.assertEqual(soon.relance_log_ids.level, 1)
        self.assertIn("A friendly note: your invoice", mail.body_html)
        self.assertIn("Nothing is late", mail.body_html)
        self.assertEqual(mail.subject, f"Invoice {soon.name} is due soon")
        self.assertNotIn("(reminder)", " ".join(mail.attachment_ids.mapped("name")), "never stamped “Reminder”")
        self.assertEqual(mail.attachment_ids.mapped("name"), [soon._get_invoice_report_filename()])
        mail_fr = soon_fr.relance_log_ids.mail_id
        self.assertIn("Petit rappel amical : votre facture", mail_fr.body_html)
        self.assertEqual(mail_fr.subject, f"La facture {soon_fr.name} arrive bientôt à échéance")
        self.assertFalse(overdue.relance_log_ids)
        self.assertIn(mail, mails)
        row = overdue.with_context(relance_today=TODAY)
        self.assertEqual(row.relance_next_label, "Level 2 on 04/02/2026, by email")

    # ------------------------------------------------------------------
    # Pauses: dispute, promise to pay
    # ------------------------------------------------------------------

    def test_paused_invoice_is_skipped_until_its_date(self):
        disputed = self._create_invoice(due_date=days_ago(20))
        disputed.write(
            {
                "relance_paused_until": TODAY + datetime.timedelta(days=5),
                "relance_pause_reason": "dispute",
                "relance_pause_note": "Contests the delivery",
            }
        )
        rows = {row["invoice"]: row for row in self._digest()["rows"]}
        self.assertEqual(rows[disputed.name]["status"], "Not sent: Invoice paused until 04/05/2026: Dispute")
        rows_fr = {row["invoice"]: row for row in self._digest("fr_FR")["rows"]}
        self.assertEqual(
            rows_fr[disputed.name]["status"], "Non envoyée : Facture suspendue jusqu'au 05/04/2026 : Litige"
        )
        self._run()
        self.assertFalse(disputed.relance_log_ids, "not reminded while paused")
        paused = self.env["account.move"].with_context(relance_today=TODAY).search([("relance_paused", "=", True)])
        self.assertIn(disputed, paused)
        self.assertIn("paused until 04/05/2026: Dispute", disputed.with_context(relance_today=TODAY).relance_next_label)
        # on its end date, reminders resume at the stage then due (level 3: J+15 passed)
        self.assertEqual(self._plan(disputed, today=TODAY + datetime.timedelta(days=5))[disputed.id].level, 3)
        self.assertTrue(self._plan(disputed, today=TODAY + datetime.timedelta(days=5))[disputed.id].send)
        fields = disputed._fields
        self.assertTrue(fields["relance_paused_until"].tracking and fields["relance_pause_reason"].tracking)
        self.assertTrue(fields["relance_pause_note"].tracking, "the note too, as README says")

    def test_promise_to_pay_recorded_from_the_wizard(self):
        move = self._create_invoice(due_date=days_ago(5))
        action = move.with_context(relance_today=TODAY).action_relance_open_send()
        wizard = Form(self.env["relance.send"].with_context(relance_today=TODAY, **action["context"]))
        wizard.note = "Called: will pay on the 10th"
        wizard.promise_date = datetime.date(2026, 4, 10)
        result = wizard.save().action_record()
        self.assertIn("paused until 04/10/2026 (promise to pay)", result["params"]["message"])
        self.assertEqual(move.relance_paused_until, datetime.date(2026, 4, 10))
        self.assertEqual(
            (move.relance_pause_reason, move.relance_pause_note), ("promise", "Called: will pay on the 10th")
        )
        self.assertEqual(move.relance_log_ids.state, "recorded")

    def test_a_promise_in_the_past_is_refused(self):
        move = self._create_invoice(due_date=days_ago(5))
        action = move.with_context(relance_today=TODAY).action_relance_open_send()
        wizard = Form(self.env["relance.send"].with_context(relance_today=TODAY, **action["context"]))
        wizard.promise_date = days_ago(1)
        with self.assertRaisesRegex(UserError, r"The promised payment date \(03/30/2026\) has to come after today"):
            wizard.save().action_record()
        self.assertFalse(move.relance_log_ids, "nothing recorded")

    # ------------------------------------------------------------------
    # Fees
    # ------------------------------------------------------------------

    def test_a_fee_invoice_once_per_invoice_and_level(self):
        self._stage(2).fee_amount = 40.0
        move = self._create_invoice(due_date=days_ago(5))  # J+3: level 2
        stage = self._stage(2)
        with self.mock_mail_gateway():
            self.env["relance.sender"].with_context(relance_today=TODAY)._send_test(move, stage)
        self.assertFalse(move.relance_log_ids.fee_move_id, "a test never charges a fee")
        self._run()
        log = move.relance_log_ids.filtered(lambda log: log.kind == "auto")
        fee = log.fee_move_id
        self.assertEqual((fee.state, fee.amount_total, fee.partner_id), ("draft", 40.0, move.partner_id))
        self.assertEqual(fee.invoice_line_ids.product_id, self.company.relance_fee_product_id)
        self.assertEqual(fee.relance_fee_origin_id, move)
        self.assertIn(
            "Best regards, company_1_data --Because I am accountman! In accordance with our terms, reminder fees "
            "of $ 40.00 are charged for this reminder; they are invoiced separately.",
            text(log.mail_id.body_html),
        )
        # the same level again, by hand: no second fee; the job again: nothing
        with self.mock_mail_gateway():
            self.env["relance.sender"].with_context(relance_today=TODAY)._send(move, stage, "manual")
        self._run()
        fees = self.env["account.move"].search([("relance_fee_origin_id", "=", move.id)])
        self.assertEqual(fees, fee, "one fee invoice per invoice and level")
        # the fee invoice itself, reminded, is never charged a fee
        fee.action_post()
        fee.invoice_date_due = days_ago(5)
        with self.mock_mail_gateway():
            self.env["relance.sender"].with_context(relance_today=TODAY)._send(fee, stage, "manual")
        self.assertFalse(self.env["account.move"].search([("relance_fee_origin_id", "=", fee.id)]))
        self.assertNotIn("reminder fees of", text(fee.relance_log_ids.mail_id.body_html))

    def test_fees_posted_at_once_and_in_french(self):
        self.company.relance_fee_auto_post = True
        self._stage(2).fee_amount = 40.0
        french = self.env["res.partner"].create(
            {"name": "Martin SA", "email": "compta@martin.example.com", "is_company": True, "lang": "fr_FR"}
        )
        move = self._create_invoice(partner=french, due_date=days_ago(5))
        self._run()
        log = move.relance_log_ids
        self.assertEqual(log.fee_move_id.state, "posted")
        self.assertIn(
            "Conformément à nos conditions, des frais de relance de $ 40,00 sont facturés pour cette relance",
            text(log.mail_id.body_html),
        )
        self.assertIn(f"Frais de relance : {move.name}, relance de niveau 2", log.fee_move_id.invoice_line_ids.name)
        # the reminder letter of that stage says it too
        self.assertIn("des frais de relance de $ 40,00 sont facturés pour cette relance", text(log._letter_body()))

    # ------------------------------------------------------------------
    # A call to make
    # ------------------------------------------------------------------

    def test_a_call_scheduled_for_the_responsible(self):
        call = self.env.ref("mail.mail_activity_data_call")
        self._stage(3).write({"activity_type_id": call.id, "activity_note": "Call the customer's accountant"})
        self.courtesy.user_id = self.billing_user
        move = self._create_invoice(due_date=days_ago(16))  # J+15: level 3
        self._run()
        activity = move.activity_ids.filtered(lambda a: a.activity_type_id == call)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.billing_user)
        self.assertEqual(activity.date_deadline, days_ago(1), "due on the day the stage was reached")
        self.assertIn("Call the customer's accountant", activity.note)
        # reached again by hand: still one; recording the call marks it done
        action = move.with_context(relance_today=TODAY).action_relance_open_send()
        wizard = Form(self.env["relance.send"].with_context(relance_today=TODAY, **action["context"]))
        wizard.stage_id = self._stage(3)
        self.assertTrue(wizard.activity_pending)
        wizard.note = "Called, will pay"
        wizard.save().action_record()
        self.assertFalse(move.activity_ids.filtered(lambda a: a.activity_type_id == call), "marked done")
        self.assertEqual(len(move.relance_log_ids.filtered("activity_scheduled")), 1, "scheduled once")

    def test_a_call_for_the_salesperson_without_responsible(self):
        call = self.env.ref("mail.mail_activity_data_call")
        self._stage(2).activity_type_id = call
        move = self._create_invoice(due_date=days_ago(5))
        move.invoice_user_id = self.billing_user
        self._run()
        self.assertEqual(move.activity_ids.user_id, self.billing_user)
        self.assertEqual(move.activity_ids.summary, "Reminder level 2")
