"""What a person reads says what the planner decided and what then happens:
the digest row by row (English and French), the Relances tab, the wizard,
the mass preview, the sender of the mails and the failure reasons."""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from .common import RelancesCommon, read_digest, read_table

# 05:30 UTC is 07:30 in Paris on 2026-03-31 (summer time): after the sending hour
AT_HOUR = "2026-03-31 05:30:00"


@tagged("post_install", "-at_install")
@freeze_time(AT_HOUR)
class TestWhatUsersRead(RelancesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        cls.company.partner_id.tz = "Europe/Paris"
        cls.company.relance_digest_user_ids = cls.manager_user
        cls.program.mode = "auto"
        cls.stages = {stage.level: stage for stage in cls.program.stage_ids}
        cls.stages[2].channel = "letter"
        partner = cls.env["res.partner"]
        cls.letter_customer = partner.create(
            {"name": "Bernard SA", "is_company": True, "street": "5 rue Haute", "city": "Nantes"}
        )
        cls.no_mail_customer = partner.create({"name": "Sans Mail", "is_company": True})
        cls.never_customer = partner.create({"name": "Jamais Auto", "email": "jamais@example.com", "is_company": True})
        cls.never_customer.relance_policy = "none"
        cls.manual_program = cls._create_program(name="Manuel", mode="manual", stages=((1, 5),))
        cls.manual_customer = partner.create(
            {
                "name": "Client Manuel",
                "email": "manuel@example.com",
                "is_company": True,
                "relance_policy": "custom",
                "relance_program_id": cls.manual_program.id,
            }
        )
        with freeze_time(AT_HOUR):
            cls.by_email = cls._create_invoice(due_date="2026-03-20")  # 11 days late: level 1
            cls.by_letter = cls._create_invoice(partner=cls.letter_customer, due_date="2026-03-15")  # level 2
            cls.excluded = cls._create_invoice(due_date="2026-03-01")  # level 3
            cls.excluded.relance_excluded = True
            cls.no_mail = cls._create_invoice(partner=cls.no_mail_customer, due_date="2026-03-20")
            cls.never = cls._create_invoice(partner=cls.never_customer, due_date="2026-03-20")
            cls.manual = cls._create_invoice(partner=cls.manual_customer, due_date="2026-03-20")
            cls.already = cls._create_invoice(due_date="2026-03-22")  # level 1, recorded below
            cls.already.env["relance.sender"]._record(cls.already, cls.stages[1], note="Phone call")
            cls.not_due = cls._create_invoice(due_date="2026-04-20")  # due in 20 days
        cls.expected_en = {
            cls.by_email: ("Level 1", "Will be sent by email"),
            cls.by_letter: ("Level 2", "Will be sent by letter"),
            cls.excluded: ("Level 3", "Not sent: Invoice excluded from automatic reminders"),
            cls.no_mail: ("Level 1", "Not sent: No valid email address"),
            cls.never: ("Level 1", "Not sent: Customer not reminded automatically"),
            cls.manual: ("Level 1", "Not sent: Program in manual mode"),
        }
        cls.expected_fr = {
            cls.by_email: ("Niveau 1", "Sera envoyée par e-mail"),
            cls.by_letter: ("Niveau 2", "Sera envoyée par courrier"),
            cls.excluded: ("Niveau 3", "Non envoyée : Facture exclue des relances automatiques"),
            cls.no_mail: ("Niveau 1", "Non envoyée : Pas d'adresse e-mail valide"),
            cls.never: ("Niveau 1", "Non envoyée : Client non relancé automatiquement"),
            cls.manual: ("Niveau 1", "Non envoyée : Programme en mode manuel"),
        }

    def _digest(self, lang):
        self.manager_user.lang = lang
        with self.mock_mail_gateway():
            self.env["relance.job"]._send_digest(self.company, self.manager_user)
        mail = self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id)
        self.assertEqual(len(mail), 1)
        return mail.subject, read_digest(mail.body_html)

    def _assert_rows(self, digest, expected):
        rows = {row["invoice"]: row for row in digest["rows"]}
        self.assertEqual(len(rows), len(digest["rows"]), "one row per invoice")
        self.assertEqual(set(rows), {move.name for move in expected}, "only the invoices with a stage due")
        for move, (level, status) in expected.items():
            row = rows[move.name]
            self.assertEqual((row["level"], row["status"]), (level, status), move.name)
            self.assertTrue(row["url"].endswith(f"/odoo/account.move/{move.id}"), "the number links to the invoice")

    def test_digest_rows_say_what_the_plan_says(self):
        """Each row states exactly one status, the plan's, in English."""
        subject, digest = self._digest("en_US")
        self._assert_rows(digest, self.expected_en)
        self.assertIn("2 to send automatically", subject)
        self.assertIn(": 2 reminders will be sent, 4 will not.", digest["summary"])
        self.assertIn(
            "1 other overdue invoice already received its reminder for the current stage.", digest["paragraphs"]
        )
        # one planner: every due line of the plan is a row with its status
        plan = {line.invoice_id: line for line in self.env["relance.planner"]._get_plan(companies=self.company)}
        for row in digest["rows"]:
            line = plan[self.env["account.move"].search([("name", "=", row["invoice"])]).id]
            self.assertEqual(row["status"].startswith("Will be sent"), line.send)
            self.assertFalse("Will be sent" in row["status"] and "Not sent" in row["status"])

    def test_digest_counts_those_not_yet_at_their_first_stage(self):
        """An invoice 2 days late, its first stage at J+5: not a row, not
        “already reminded”, counted apart (#22.9)."""
        self._create_invoice(due_date="2026-03-29")
        _subject, digest = self._digest("en_US")
        self.assertIn("1 overdue invoice reaches its first stage later.", digest["paragraphs"])
        self.assertIn(
            "1 other overdue invoice already received its reminder for the current stage.", digest["paragraphs"]
        )
        self._create_invoice(due_date="2026-03-30")
        _subject, french = self._digest("fr_FR")
        self.assertIn("2 factures échues atteignent leur première étape plus tard.", french["paragraphs"])

    def test_french_words_of_the_screens(self):
        """One form for both: “M'envoyer une simulation”, “M'envoyer un test”;
        labels read as phrases in English (#22.10)."""
        settings = self.env["res.config.settings"].with_context(lang="fr_FR").get_view(view_type="form")["arch"]
        wizard = self.env["relance.send"].with_context(lang="fr_FR").get_view(view_type="form")["arch"]
        self.assertIn("M'envoyer une simulation", settings)
        self.assertIn("M'envoyer un test", wizard)
        labels = self.env["relance.send"].fields_get(["recipient_emails", "attach_pdf"], ["string"])
        self.assertEqual(
            [labels["recipient_emails"]["string"], labels["attach_pdf"]["string"]], ["Mailed to", "Attach the invoice"]
        )
        self.assertEqual(
            self.env["relance.digest"].with_context(lang="fr_FR")._days_late_text(-3), "échéance dans 3 jours"
        )

    def test_digest_in_french(self):
        _subject, digest = self._digest("fr_FR")
        self._assert_rows(digest, self.expected_fr)
        self.assertIn("2 relances seront envoyées, 4 ne le seront pas.", digest["summary"])
        self.assertIn("1 autre facture en retard a déjà reçu sa relance pour l'étape en cours.", digest["paragraphs"])

    def test_the_job_does_what_the_digest_said(self):
        _subject, digest = self._digest("en_US")
        will_send = {row["invoice"] for row in digest["rows"] if row["status"].startswith("Will be sent")}
        with self.mock_mail_gateway():
            self.env["relance.job"]._run(companies=self.company)
        sent = self.env["relance.log"].search([("kind", "=", "auto"), ("company_id", "=", self.company.id)])
        self.assertEqual(set(sent.move_id.mapped("name")), will_send)
        letter = sent.filtered(lambda log: log.move_id == self.by_letter)
        self.assertEqual(letter.state, "to_print")
        self.assertNotIn("<a ", letter._letter_body(), "a paper letter carries no link")
        self.assertIn("your customer portal", letter._letter_body())
        self.assertIn(f"Tell us at: {letter.move_id._relance_answer_url()}", letter._letter_body())
        self.assertIn('class="o_relance_answer_qr" src="data:image/png;base64,', letter._letter_body(), "its QR code")

    def test_digest_without_anything_due(self):
        (self.by_email | self.by_letter | self.excluded | self.no_mail | self.never | self.manual).button_draft()
        _subject, digest = self._digest("en_US")
        self.assertFalse(digest["rows"])
        self.assertIn("No invoice is due for a reminder today.", digest["paragraphs"])
        self.assertIn(": no reminder will be sent.", digest["summary"])
        self.assertNotIn("0 reminders", digest["summary"])
        _subject, french = self._digest("fr_FR")
        self.assertIn(" : aucune relance ne sera envoyée.", french["summary"])
        with self.mock_mail_gateway():
            self.env["relance.job"]._send_digest(self.company, self.manager_user)
        self.assertNotIn("Totals", self._new_mails.body_html, "no empty totals table")

    def test_relances_tab_says_the_plan(self):
        tab = {move: move.relance_next_label for move in self.expected_en}
        self.assertEqual(tab[self.by_email], "Level 1 at the next automatic run (03/31/2026), by email")
        self.assertEqual(tab[self.by_letter], "Level 2 at the next automatic run (03/31/2026), by letter")
        self.assertEqual(tab[self.no_mail], "Level 1 due now, will not be sent: No valid email address")
        self.assertEqual(
            tab[self.never],
            "No automatic reminder (Customer not reminded automatically): level 1 can be sent by hand now",
        )
        self.assertEqual(
            tab[self.manual], "No automatic reminder (Program in manual mode): level 1 can be sent by hand now"
        )
        # Dupont has no postal address: its letter stage will not go out, and the tab says so
        self.assertEqual(
            self.already.relance_next_label,
            "Level 2 on 04/06/2026, will not be sent: No postal address for the letter",
        )
        self.assertEqual(self.by_letter.relance_next_label, "Level 2 at the next automatic run (03/31/2026), by letter")
        self.assertEqual(self.not_due.relance_next_label, "Level 1 on 04/27/2026, by email")
        self.assertEqual((self.not_due.relance_next_level, str(self.not_due.relance_next_date)), (1, "2026-04-27"))
        # the automatic-reminders toggle says whether the daily job reminds the invoice at all
        self.assertTrue(self.by_email.relance_auto_enabled)
        self.assertFalse(self.never.relance_auto_enabled, "customer policy: no automatic reminders")
        self.assertFalse(self.manual.relance_auto_enabled, "program in manual mode")
        self.assertFalse(self.excluded.relance_auto_enabled)
        # the toggle is greyed out where only the customer or the program can change it
        self.assertTrue(self.excluded.relance_auto_switchable)
        self.assertTrue(self.by_email.relance_auto_switchable)
        self.assertFalse(self.never.relance_auto_switchable)
        self.assertFalse(self.manual.relance_auto_switchable)
        found = self.env["account.move"].search(
            [("relance_auto_enabled", "=", True), ("company_id", "=", self.company.id)]
        )
        self.assertIn(self.by_email, found)
        self.assertNotIn(self.never, found)
        with self.assertRaisesRegex(Exception, "cannot be reminded automatically: Customer not reminded automatically"):
            self.never.relance_auto_enabled = True
        with self.mock_mail_gateway():
            self.env["relance.job"]._run(companies=self.company)
        self.by_email.invalidate_recordset()
        self.assertEqual(
            self.by_email.relance_next_label,
            "Level 2 on 04/04/2026, will not be sent: No postal address for the letter",
        )
        self.by_letter.invalidate_recordset()
        self.assertEqual(
            self.by_letter.relance_next_label, "Level 3 on 04/14/2026, will not be sent: No valid email address"
        )
        self.assertEqual(self.no_mail.relance_next_label, "Level 1 due now, will not be sent: No valid email address")
        self.assertEqual(
            self.not_due.with_context(lang="fr_FR").relance_next_label, "Niveau 1 le 27/04/2026, par e-mail"
        )

    def test_wizard_on_an_invoice_not_overdue(self):
        wizard = Form(self.env["relance.send"].with_context(**self.not_due.action_relance_open_send()["context"]))
        self.assertEqual(wizard.due_info, f"{self.not_due.name} is not overdue: it is due in 20 days (04/20/2026).")
        self.assertEqual(wizard.stage_id, self.stages[1], "the plan's next stage")
        self.assertEqual(wizard.subject, f"Invoice {self.not_due.name} is due on 04/20/2026", "not “is overdue”")
        self.assertNotIn("has passed", wizard.body)
        self.assertIn("it is due on 04/20/2026", wizard.body)
        self.assertIn(">not due<", wizard.body, "no “0 days late”")
        overdue = Form(self.env["relance.send"].with_context(**self.by_email.action_relance_open_send()["context"]))
        self.assertFalse(overdue.due_info)
        self.assertIn("although the due date has passed", overdue.body)
        self.assertEqual(overdue.subject, f"Reminder: invoice {self.by_email.name} is overdue")

    def test_texts_mention_previous_reminders_only_when_there_were(self):
        form = Form(self.env["relance.send"].with_context(**self.by_email.action_relance_open_send()["context"]))
        form.stage_id = self.stages[3]
        self.assertNotIn("Despite our previous reminders", form.body)
        self.assertIn("Unless we are mistaken, the following", form.body)
        again = Form(self.env["relance.send"].with_context(**self.already.action_relance_open_send()["context"]))
        again.stage_id = self.stages[3]
        self.assertIn("Despite our previous reminders, the following", again.body)
        self.customer.lang = "fr_FR"
        french = Form(self.env["relance.send"].with_context(**self.by_email.action_relance_open_send()["context"]))
        french.stage_id = self.stages[2]
        self.assertIn("Sauf erreur de notre part", french.body)
        self.assertNotIn("Malgré notre précédente relance", french.body)

    def test_stage_picker_lists_the_program_stages(self):
        domain = [("program_id", "=", self.program.id)]
        names = [name for __, name in self.env["relance.stage"].name_search("", domain)]
        self.assertEqual(names, [self.program.name + f" – level {n} (J+{d})" for n, d in ((1, 7), (2, 15), (3, 30))])
        names_fr = [name for __, name in self.env["relance.stage"].with_context(lang="fr_FR").name_search("", domain)]
        self.assertIn("niveau 2 (J+15)", names_fr[1])

    def test_a_call_recorded_at_a_chosen_level_counts_as_that_level(self):
        move = self._create_invoice(due_date="2026-02-01")  # level 3 due
        form = Form(self.env["relance.send"].with_context(**move.action_relance_open_send()["context"]))
        self.assertEqual(form.stage_id, self.stages[3])
        form.stage_id = self.stages[1]
        form.note = "Phone call, will pay on Friday"
        form.save().action_record()
        log = move.relance_log_ids
        self.assertEqual((log.level, log.state, log.note), (1, "recorded", "Phone call, will pay on Friday"))
        self.assertFalse(log.recipient, "a note is not a recipient")
        self.assertFalse(log.subject, "nor a subject")
        groups = self.env["relance.log"].web_read_group(
            [("move_id", "=", move.id)], fields=["level", "amount_residual"], groupby=["partner_id"]
        )["groups"]
        self.assertNotIn("amount_residual", groups[0], "no sum adding one invoice's amount twice")
        self.assertNotIn("level", groups[0], "nor a sum of levels")
        self.assertEqual(move.relance_last_level, 1)
        self.assertEqual(self._plan(move)[move.id].level, 3, "the formal notice is still to send")

    def test_sender_is_a_person_or_the_company(self):
        odoobot = self.env.ref("base.user_root")
        self.by_email.invoice_user_id = odoobot
        with self.mock_mail_gateway():
            self.by_email.env["relance.sender"]._send(self.by_email, self.stages[1], "manual")
        mail = self._new_mails
        self.assertEqual(mail.email_from, self.company.email_formatted)
        self.assertEqual(mail.reply_to, self.company.email_formatted)
        self.assertEqual(mail.author_id, self.company.partner_id)
        self.assertNotIn("OdooBot", mail.body_html)
        self.assertNotIn("Journal Entry", mail.body_html)
        self.assertNotIn("System", mail.body_html)
        seller = new_test_user(
            self.env,
            login="relance_seller",
            name="Sophie Vendeuse",
            email="sophie@company.example.com",
            signature="Sophie, your account manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.no_mail.invoice_user_id = seller
        self.no_mail_customer.email = "compta@sansmail.example.com"
        with self.mock_mail_gateway():
            self.no_mail.env["relance.sender"]._send(self.no_mail, self.stages[1], "manual")
        mail = self._new_mails
        self.assertEqual(mail.email_from, seller.email_formatted)
        self.assertEqual(mail.reply_to, seller.email_formatted)
        self.assertIn("Sophie, your account manager", mail.body_html)
        seller.active = False
        self.assertFalse(self.no_mail.relance_sender_user_id, "an archived user cannot answer")

    def test_sender_of_the_daily_job(self):
        self.by_email.invoice_user_id = self.env.ref("base.user_root")
        with self.mock_mail_gateway():
            self.env["relance.job"].with_user(self.env.ref("base.user_root"))._run(companies=self.company)
        mail = self._new_mails.filtered(lambda m: self.customer in m.recipient_ids)
        self.assertEqual(mail.email_from, self.company.email_formatted)
        self.assertEqual(mail.reply_to, self.company.email_formatted)

    def test_failure_reason_is_one_sentence(self):
        template = self.env.ref("relances_auto.mail_template_relance_level_1")
        template.body_html = "<p t-out=\"1 / 0 if object.ref == 'BOOM' else object.name\"/>"
        self.by_email.ref = "BOOM"
        with self.mock_mail_gateway():
            self.env["relance.job"]._run(companies=self.company)
        failed = self.by_email.relance_log_ids.filtered(lambda log: log.state == "failed")
        self.assertEqual(
            failed.failure_reason,
            "The mail template “Reminder: Invoice Level 1 (courteous)” of reminder level 1 cannot be rendered "
            f"for {self.by_email.display_name}: fix the template (Settings > Technical > Email Templates).",
        )
        self.assertIn("ZeroDivisionError", failed.failure_detail)
        self.assertIn("Traceback", failed.failure_detail)
        with freeze_time("2026-04-01 05:30:00"):
            self.company.relance_run_date = False
            _subject, digest = self._digest("en_US")
        self.assertNotIn("Traceback", " ".join(digest["paragraphs"]))

    def test_mass_preview_is_what_the_button_does(self):
        """The preview of an unsaved wizard lists each invoice's fate; the
        summary after sending says the same."""
        # level 3 sent by hand while level 2 is the stage due (#22.2)
        all_sent = self._create_invoice(due_date="2026-03-15")
        all_sent.env["relance.sender"]._record(all_sent, self.stages[3], note="Formal notice")
        moves = self.by_email | self.no_mail | self.already | self.not_due | self.never | all_sent
        form = Form(self.env["relance.send"].with_context(**moves.action_relance_send_due()["context"]))
        preview = read_table(form.mass_summary, "o_relance_mass_preview")
        self.assertEqual(
            preview,
            [
                [self.by_email.name, "Dupont SARL", "Level 1 sent by email"],
                [self.no_mail.name, "Sans Mail", "Skipped: no valid email address for Sans Mail"],
                [self.never.name, "Jamais Auto", "Level 1 sent by email"],
                [self.already.name, "Dupont SARL", "Skipped: no reminder due yet (level 2 on 04/06/2026)"],
                [self.not_due.name, "Dupont SARL", "Skipped: no reminder due yet (level 1 on 04/27/2026)"],
                [all_sent.name, "Dupont SARL", "Skipped: every stage was sent"],
            ],
        )
        # the list's columns say the same of those skipped
        self.assertEqual(
            self.already.relance_next_label, "Level 2 on 04/06/2026, will not be sent: No postal address for the letter"
        )
        self.assertEqual(self.already.relance_last_label, "Level 1, today (1 sent)")
        self.assertEqual(all_sent.relance_next_label, "None: every stage was sent")
        self.assertEqual(all_sent.relance_last_label, "Level 3, today (1 sent)", "a level, then a count")
        french = all_sent.with_context(lang="fr_FR")
        self.assertEqual(french.relance_last_label, "Niveau 3, aujourd'hui (1 envoyée)")
        self.assertEqual(french.relance_next_label, "Aucune : toutes les étapes ont été envoyées")
        french_form = Form(
            self.env["relance.send"].with_context(**moves.action_relance_send_due()["context"], lang="fr_FR")
        )
        french_preview = {row[0]: row[2] for row in read_table(french_form.mass_summary, "o_relance_mass_preview")}
        self.assertEqual(french_preview[all_sent.name], "Ignorée : toutes les étapes ont été envoyées")
        with self.mock_mail_gateway():
            result = form.save().action_send_mass()
        self.assertEqual(
            result["params"]["message"].splitlines(),
            [
                "2 reminders queued: they leave within a minute.",
                f"• {self.by_email.name}: Level 1 sent by email",
                f"• {self.never.name}: Level 1 sent by email",
                "4 skipped:",
                f"• {self.no_mail.name}: no valid email address for Sans Mail",
                f"• {self.already.name}: no reminder due yet (level 2 on 04/06/2026)",
                f"• {self.not_due.name}: no reminder due yet (level 1 on 04/27/2026)",
                f"• {all_sent.name}: every stage was sent",
            ],
        )
        self.assertEqual((self.by_email | self.never).relance_log_ids.mapped("level"), [1, 1])

    def test_mass_actions_only_on_customer_invoices(self):
        bindings = self.env["ir.actions.actions"].search([("binding_model_id.model", "=", "account.move")])
        self.assertFalse(
            [a.name for a in bindings if "reminder" in (a.name or "").lower()], "not in the Action menu of every move"
        )
        customer_list = self.env["account.move"].get_view(self.env.ref("account.view_out_invoice_tree").id, "list")
        vendor_list = self.env["account.move"].get_view(self.env.ref("account.view_in_invoice_bill_tree").id, "list")
        self.assertIn("action_relance_send_due", customer_list["arch"])
        self.assertNotIn("action_relance_send_due", vendor_list["arch"])
