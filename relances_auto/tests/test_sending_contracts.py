from freezegun import freeze_time
from lxml import html as lxml_html

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import RelancesCommon, read_digest

# past the company's sending hour (its time zone: UTC)
AT_HOUR = "2026-03-31 07:30:00"
TODAY = "2026-03-31"


def read(mail):
    """The mail's text as its reader reads it."""
    return " ".join(lxml_html.fromstring(mail.body_html).text_content().split())


def table(html):
    """The rows of the tables of ``html``, each a list of cell texts."""
    root = lxml_html.fromstring(html)
    return [
        [" ".join(cell.text_content().split()) for cell in tr.findall("td")]
        for tr in root.iter("tr")
        if tr.findall("td")
    ]


@tagged("post_install", "-at_install")
class TestSendingContracts(RelancesCommon):
    """What goes out is right for every customer: one sending path inside
    Odoo's mail contracts, each mail once, wholly in its customer's language,
    rendered with its own values, never to a paused invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["mail", "account", "relances_auto"], ["fr_FR"], overwrite=True)
        cls.company.relance_digest_user_ids = cls.manager_user
        cls.program.mode = "auto"
        cls.stages = {stage.level: stage for stage in cls.program.stage_ids}
        cls.french = cls.env["res.partner"].create(
            {"name": "Martin SA", "email": "compta@martin.example.com", "is_company": True, "lang": "fr_FR"}
        )
        cls.customer.lang = "en_US"
        cls.third = cls.env["res.partner"].create(
            {"name": "Bernard SAS", "email": "compta@bernard.example.com", "is_company": True, "lang": "en_US"}
        )
        with freeze_time(AT_HOUR):
            # due 11 days ago: level 1 (J+7) is due
            cls.en_move = cls._create_invoice(due_date="2026-03-20")
            cls.fr_move = cls._create_invoice(partner=cls.french, due_date="2026-03-20")
            cls.third_move = cls._create_invoice(partner=cls.third, due_date="2026-03-20")

    def _run(self):
        with freeze_time(AT_HOUR), self.mock_mail_gateway(mail_unlink_sent=False):
            self.env["relance.job"]._run(companies=self.company)

    def _mail(self, move):
        logs = move.relance_log_ids.filtered(lambda log: log.kind != "test")
        self.assertEqual(len(logs), 1, f"one reminder for {move.name}")
        return logs.mail_id

    def _template(self, **values):
        template = self.stages[1].mail_template_id.copy(values)
        self.stages[1].mail_template_id = template
        return template

    # ------------------------------------------------------------------
    # Each mail wholly in its customer's language
    # ------------------------------------------------------------------

    def _assert_english(self, mail):
        text = read(mail)
        self.assertIn("View Invoice", text)
        self.assertIn("Dear", text)
        for word in ("Facture", "Voir", "Propulsé", "Madame"):
            self.assertNotIn(word, text, f"English mail: {text}")

    def _assert_french(self, mail):
        text = read(mail)
        self.assertIn("Voir Facture", text)
        for word in ("View", "Invoice", "Powered by", "Dear"):
            self.assertNotIn(word, text, f"French mail: {text}")

    def test_job_batch_of_french_and_english_customers(self):
        self._run()
        self._assert_english(self._mail(self.en_move))
        self._assert_french(self._mail(self.fr_move))
        self._assert_english(self._mail(self.third_move))

    def test_by_hand_in_the_customer_language_whoever_sends(self):
        french_user = new_test_user(
            self.env,
            login="relance_fr_user",
            email="fr.user@company.example.com",
            groups="account.group_account_invoice",
            lang="fr_FR",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.billing_user.lang = "en_US"
        with freeze_time(AT_HOUR), self.mock_mail_gateway(mail_unlink_sent=False):
            for user, move in ((self.billing_user, self.fr_move), (french_user, self.en_move)):
                wizard = (
                    self.env["relance.send"]
                    .with_user(user)
                    .with_context(default_move_ids=move.ids)
                    .create({"stage_id": self.stages[1].id})
                )
                wizard.action_send_customer()
        self._assert_french(self._mail(self.fr_move))
        self._assert_english(self._mail(self.en_move))

    def test_mass_action_in_each_customer_language(self):
        with freeze_time(AT_HOUR), self.mock_mail_gateway(mail_unlink_sent=False):
            wizard = (
                self.env["relance.send"]
                .with_user(self.billing_user)
                .with_context(default_move_ids=(self.en_move | self.fr_move).ids, default_mass_mode=True)
                .create({})
            )
            wizard.action_send_mass()
        self._assert_english(self._mail(self.en_move))
        self._assert_french(self._mail(self.fr_move))

    # ------------------------------------------------------------------
    # Each mail rendered with its own values
    # ------------------------------------------------------------------

    def test_a_value_set_for_one_customer_never_reaches_another(self):
        self._template(
            body_html=(
                "<div><t t-if=\"object.partner_id.name == 'Dupont SARL'\">"
                '<t t-set="note" t-value="\'NOTE-FOR-DUPONT\'"/></t>'
                "<p>Note: <t t-out=\"note or 'none'\"/></p>"
                '<p>Customer: <t t-out="object.partner_id.name"/></p></div>'
            )
        )
        self._run()
        self.assertIn("Note: NOTE-FOR-DUPONT", read(self._mail(self.en_move)))
        for move in (self.fr_move, self.third_move):
            text = read(self._mail(move))
            self.assertIn("Note: none", text)
            self.assertIn(f"Customer: {move.partner_id.name}", text)
            self.assertNotIn("NOTE-FOR-DUPONT", text)

    def test_each_body_is_what_odoo_renders_for_that_invoice(self):
        template = self.stages[1].mail_template_id
        for move in (self.en_move, self.fr_move):
            lang = move.partner_id.lang
            expected = template.with_context(lang=lang)._render_field(
                "body_html", move.ids, options={"post_process": True}
            )[move.id]
            # with the customer's link to answer it (account_move_answers.py)
            expected = move.with_context(lang=lang)._relance_add_answer_link(expected)
            self.assertEqual(self.env["relance.sender"]._render(move, self.stages[1])[1], expected)

    @mute_logger("odoo.addons.relances_auto.models.relance_sender")
    def test_a_render_error_fails_only_its_mail(self):
        self._template(body_html='<div><p t-out="object.partner_id.ref.upper()"/></div>')
        self.french.ref = "martin"
        self._run()
        self.assertIn("MARTIN", read(self._mail(self.fr_move)))
        for move in (self.en_move, self.third_move):
            log = move.relance_log_ids
            self.assertEqual(log.state, "failed")
            self.assertIn("cannot be rendered", log.failure_reason)
            self.assertIn(move.name, log.failure_reason)

    # ------------------------------------------------------------------
    # Inside Odoo's mail contracts
    # ------------------------------------------------------------------

    def test_job_message_and_notification_as_message_post_makes_them(self):
        with freeze_time(AT_HOUR):
            self.third_move.message_post(body="An earlier note")  # the thread has a first message
            reference = self.third_move.with_context(mail_notify_force_send=False).message_post(
                body="By hand",
                subject="By hand",
                partner_ids=self.third.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.company.partner_id.id,
                email_from=self.company.email_formatted,
                email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
            )
        self._run()
        mail = self._mail(self.third_move)
        message = mail.mail_message_id
        for field in ("model", "res_id", "record_company_id", "record_alias_domain_id", "parent_id", "message_type"):
            self.assertEqual(message[field], reference[field], field)
        self.assertTrue(message.parent_id, "attached to the thread's first message, as message_post does")
        self.assertIn(message.parent_id.message_id, mail.references)
        notification = message.notification_ids
        self.assertEqual(len(notification), 1)
        self.assertEqual(notification.author_id, message.author_id, "failures show in the sender's failed messages")
        self.assertEqual(notification.res_partner_id, self.third)
        self.assertEqual(notification.mail_mail_id, mail)
        self.assertFalse(mail.email_to)
        self.assertEqual(len(mail._prepare_outgoing_list()), 1, "one outgoing copy for the one recipient")

    def test_template_cc_reply_to_server_and_attachments_are_honoured(self):
        server = self.env["ir.mail_server"].create({"name": "Reminders", "smtp_host": "smtp.example.com"})
        attachment = self.env["ir.attachment"].create({"name": "terms.pdf", "raw": b"%PDF-1.4 terms"})
        self._template(
            email_cc="accounting@partner.example.com",
            reply_to="replies@company.example.com",
            mail_server_id=server.id,
            attachment_ids=[Command.set(attachment.ids)],
        )
        self._run()
        message = self._mail(self.en_move).mail_message_id
        # Odoo makes one mail per group of recipients (the customer, a new contact): all of this message
        mails = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(set(mails.mapped("reply_to")), {"replies@company.example.com"})
        self.assertEqual(mails.mail_server_id, server)
        self.assertEqual(
            sorted(mails.recipient_ids.mapped("email")), ["accounting@partner.example.com", self.customer.email]
        )
        self.assertIn("terms.pdf", message.attachment_ids.mapped("name"))
        self.assertEqual(
            sum(len(mail._prepare_outgoing_list()) for mail in mails), 2, "the customer and the Cc, once each"
        )

    def test_a_template_from_that_cannot_be_rendered_fails_that_mail(self):
        self._template(email_from="{{ object.partner_id.ref or '' }}")
        self.french.ref = "reminders@martin-supplier.example.com"
        self._run()
        self.assertEqual(self._mail(self.fr_move).email_from, "reminders@martin-supplier.example.com")
        log = self.en_move.relance_log_ids
        self.assertEqual(log.state, "failed")
        self.assertRegex(log.failure_reason, r"gives no valid address for .*fix the template")

    # ------------------------------------------------------------------
    # Internal mails once, leaving at once
    # ------------------------------------------------------------------

    def test_digest_simulation_and_test_reach_each_reader_once(self):
        self.manager_user.email = "manager.user@company.example.com"
        trigger = self.env.ref("mail.ir_cron_mail_scheduler_action")
        with freeze_time(AT_HOUR), self.mock_mail_gateway(mail_unlink_sent=False):
            settings = self.env["res.config.settings"].with_user(self.manager_user).create({})
            result = settings.action_relance_send_simulation()
            self.assertIn("leaves within a minute", result["params"]["message"])
            self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", trigger.id)]), "mail queue asked")
            simulation = self.env["mail.mail"].search([("subject", "ilike", "reminders of")], order="id desc", limit=1)
            wizard = (
                self.env["relance.send"]
                .with_user(self.billing_user)
                .with_context(default_move_ids=self.en_move.ids)
                .create({"stage_id": self.stages[1].id})
            )
            result = wizard.action_send_test()
            self.assertIn("queued", result["params"]["message"])
            test = self.en_move.relance_log_ids.filtered(lambda log: log.kind == "test").mail_id
            self.env["relance.job"]._run(companies=self.company)
            digest = self.env["mail.mail"].search(
                [("subject", "ilike", "reminders of"), ("id", "!=", simulation.id)], order="id desc", limit=1
            )
        for mail in (simulation, test, digest):
            self.assertFalse(mail.email_to)
            self.assertEqual(len(mail._prepare_outgoing_list()), 1, mail.subject)

    # ------------------------------------------------------------------
    # The simulation is the run
    # ------------------------------------------------------------------

    @mute_logger("odoo.addons.relances_auto.models.relance_sender")
    def test_simulation_tells_a_mail_that_cannot_be_rendered(self):
        self._template(body_html='<div><p t-out="object.partner_id.ref.upper()"/></div>')
        self.french.ref = "martin"
        with freeze_time(AT_HOUR):
            self.en_move.invalidate_recordset()
            mail = self.env["relance.job"]._send_digest(self.company, self.manager_user)
        digest = read_digest(mail.body_html)
        rows = {row["invoice"]: row["status"] for row in digest["rows"]}
        self.assertEqual(rows[self.fr_move.name], "Will be sent by email")
        self.assertRegex(
            rows[self.en_move.name], rf"^Not sent: The mail template .* cannot be rendered for {self.en_move.name}"
        )
        self.assertIn("1 reminder will be sent, 2 will not", digest["summary"])
        self.assertFalse(self.env["relance.log"].search([("move_id", "in", self.en_move.ids)]), "nothing kept")

    def test_after_the_run_the_simulation_says_so_and_dates_the_next(self):
        self._run()
        with freeze_time("2026-03-31 15:00:00"):
            mail = self.env["relance.job"]._send_digest(self.company, self.manager_user)
        digest = read_digest(mail.body_html)
        self.assertTrue(
            digest["summary"].startswith(
                "Today's run is done: 3 sent, 0 failed. Simulation of the automatic "
                f"reminders of {self.company.name} for 04/01/2026: no reminder will be sent"
            ),
            digest["summary"],
        )
        with freeze_time("2026-03-31 15:00:00"):
            data = self.env["relance.dashboard"].get_data()
        self.assertEqual(data["run_done"], "Today's run is done: 3 sent, 0 failed.")
        self.assertEqual(data["next_run"], "04/01/2026")
        self.assertEqual(data["plan"]["send_count"], 0)

    def test_simulation_in_french(self):
        self.manager_user.lang = "fr_FR"
        self._run()
        with freeze_time("2026-03-31 15:00:00"):
            mail = self.env["relance.job"]._send_digest(self.company, self.manager_user)
        self.assertTrue(
            read_digest(mail.body_html)["summary"].startswith(
                "L'exécution du jour est faite (relances envoyées : 3, en échec : 0)."
            ),
            read_digest(mail.body_html)["summary"],
        )

    # ------------------------------------------------------------------
    # Pauses everywhere
    # ------------------------------------------------------------------

    def test_no_path_reminds_a_paused_invoice_without_confirmation(self):
        self.en_move.write({"relance_paused_until": "2026-12-31", "relance_pause_reason": "dispute"})
        with freeze_time(AT_HOUR), self.mock_mail_gateway(mail_unlink_sent=False):
            to_remind = self.env["account.move"].search([("relance_to_remind", "=", True)])
            self.assertNotIn(self.en_move, to_remind)
            self.assertIn(self.fr_move, to_remind)
            wizard = (
                self.env["relance.send"]
                .with_context(default_move_ids=(self.en_move | self.fr_move).ids, default_mass_mode=True)
                .create({})
            )
            rows = {row[0]: row[2] for row in table(wizard.mass_summary)}
            self.assertEqual(rows[self.en_move.name], "Skipped: Paused until 12/31/2026 (dispute)")
            self.assertEqual(rows[self.fr_move.name], "Level 1 sent by email")
            wizard.action_send_mass()
            self.assertFalse(self.en_move.relance_log_ids, "the mass action skips it")
            self.assertTrue(self.fr_move.relance_log_ids)
            single = (
                self.env["relance.send"]
                .with_context(default_move_ids=self.en_move.ids)
                .create({"stage_id": self.stages[1].id})
            )
            self.assertIn("Paused until 12/31/2026 (dispute)", single.pause_warning)
            with self.assertRaisesRegex(UserError, "Send despite the pause"):
                single.action_send_customer()
            self.assertFalse(self.en_move.relance_log_ids)
            single.confirm_paused = True
            single.action_send_customer()
            self.assertEqual(self.en_move.relance_log_ids.kind, "manual")

    # ------------------------------------------------------------------
    # Grouped mails
    # ------------------------------------------------------------------

    def test_one_mail_for_several_invoices_names_each_and_its_own_stage(self):
        self.program.one_mail_per_customer = True
        with freeze_time(AT_HOUR):
            old = self._create_invoice(due_date="2026-02-20")  # 39 days late: level 3
            old.payment_reference = "RF-OLD-1"
            self.en_move.payment_reference = "RF-NEW-2"
        self._run()
        mail = self._mail(old)
        self.assertEqual(mail, self._mail(self.en_move), "one mail for both")
        first, last = sorted((old | self.en_move).mapped("name"))
        self.assertEqual(mail.subject, f"Invoices {first} and {last} remain unpaid", "not all formally noticed")
        rows = {row[0]: row for row in table(mail.body_html) if row and row[0] in (old.name, self.en_move.name)}
        self.assertEqual(rows[old.name][6:], ["RF-OLD-1", "Level 3"])
        self.assertEqual(rows[self.en_move.name][6:], ["RF-NEW-2", "Level 1"])
        text = read(mail)
        self.assertIn(f"formal notice to pay invoice {old.name} within eight days", text)
        self.assertIn("The other invoices in the table are reminded at their own stage.", text)
        self.assertEqual(old.relance_log_ids.level, 3)
        self.assertEqual(self.en_move.relance_log_ids.level, 1)

    def test_remind_all_never_takes_a_stage_early(self):
        with freeze_time(AT_HOUR):
            old = self._create_invoice(due_date="2026-02-20")  # 39 days late: level 3
            middle = self._create_invoice(due_date="2026-03-08")  # 23 days: level 2 reached, level 3 on 04/07
            action = self.customer.action_relance_remind_all()
            wizard = self.env["relance.send"].with_context(**action["context"]).create({})
            self.assertEqual(wizard.stage_id.level, 3)
            with self.mock_mail_gateway(mail_unlink_sent=False):
                wizard.action_send_customer()
        levels = {log.move_id: log.level for log in (old | middle | self.en_move).relance_log_ids}
        self.assertEqual(levels, {old: 3, middle: 2, self.en_move: 1})
        mail = self._mail(old)
        first, second, third = sorted((old | middle | self.en_move).mapped("name"))
        self.assertEqual(mail.subject, f"Invoices {first}, {second}, and {third} remain unpaid")  # en_US lists
        self.assertIn(f"formal notice to pay invoice {old.name} within eight days", read(mail))
