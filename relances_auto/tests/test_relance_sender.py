import datetime

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.addons.relances_auto.models.relance_sender import RelanceMail
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RelancesCommon

# past the company's sending hour (its time zone: UTC)
AT_HOUR = "2026-03-31 07:30:00"


@tagged("post_install", "-at_install")
class TestBatchedQueuing(RelancesCommon):
    """The daily job queues its reminders in bulk (``relance.sender``): what a
    customer receives and what the invoice's chatter shows must be what a
    reminder sent by hand (``message_post``) gives, in English and French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        cls.company.relance_digest_user_ids = cls.manager_user
        cls.program.mode = "auto"
        cls.stage_1 = cls.program.stage_ids.filtered(lambda s: s.level == 1)
        cls.french = cls.env["res.partner"].create(
            {"name": "Martin SA", "email": "compta@martin.example.com", "is_company": True, "lang": "fr_FR"}
        )
        with freeze_time(AT_HOUR):
            # due 11 days ago: level 1 (J+7) is due; a twin of each is sent by hand
            cls.en_auto = cls._create_invoice(due_date="2026-03-20")
            cls.en_hand = cls._create_invoice(due_date="2026-03-20")
            cls.fr_auto = cls._create_invoice(partner=cls.french, due_date="2026-03-20")
            cls.fr_hand = cls._create_invoice(partner=cls.french, due_date="2026-03-20")

    def _run(self, **context):
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self.env["relance.job"].with_context(**context)._run(companies=self.company)

    @staticmethod
    def _read(mail, *moves):
        """The mail's text as the customer reads it, invoice numbers made neutral."""
        text = " ".join(lxml_html.fromstring(mail.body_html).text_content().split())
        for move in moves:
            text = text.replace(move.name, "<invoice>").replace(move.name.replace("/", "_"), "<invoice>")
        return text

    def _customer_mail(self, move):
        log = move.relance_log_ids
        self.assertEqual(len(log), 1, f"one reminder for {move.name}")
        return log.mail_id

    def test_job_mail_reads_like_a_mail_sent_by_hand(self):
        with freeze_time(AT_HOUR):
            (self.en_hand | self.fr_hand).relance_auto_enabled = False  # the job leaves the twins alone
            self.en_hand.env["relance.sender"]._send(self.en_hand, self.stage_1, "manual")
            self.fr_hand.env["relance.sender"]._send(self.fr_hand, self.stage_1, "manual")
        self._run()
        for auto, hand, words in (
            (self.en_auto, self.en_hand, ("Dear Dupont SARL", "View Invoice")),
            (self.fr_auto, self.fr_hand, ("Martin SA", "Voir")),
        ):
            auto_mail, hand_mail = self._customer_mail(auto), self._customer_mail(hand)
            auto_text = self._read(auto_mail, auto, hand)
            self.assertEqual(auto_text, self._read(hand_mail, auto, hand), "same text, same layout")
            for word in words:
                self.assertIn(word, auto_text)
            self.assertEqual(
                auto_mail.subject.replace(auto.name, "<invoice>"), hand_mail.subject.replace(hand.name, "<invoice>")
            )
            self.assertEqual(auto_mail.recipient_ids, auto.partner_id)
            self.assertEqual((auto_mail.email_from, auto_mail.reply_to), (hand_mail.email_from, hand_mail.reply_to))
            self.assertEqual(auto_mail.state, "outgoing", "queued: the mail queue sends it")
            # the invoice's chatter: the mail, from the sender, with its delivery status
            message = auto_mail.mail_message_id
            self.assertEqual((message.model, message.res_id), ("account.move", auto.id))
            self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
            self.assertEqual(message.author_id, hand_mail.author_id)
            self.assertIn(message, auto.message_ids)
            self.assertEqual(message.notification_ids.mapped("notification_status"), ["ready"])
            self.assertEqual(message.notification_ids.res_partner_id, auto.partner_id)
            self.assertEqual(auto.relance_log_ids.mail_message_id, message)
        self.assertIn("reste impayée alors que l'échéance est passée", self._read(self._customer_mail(self.fr_auto)))

    def test_attachments_and_one_mail_for_several_invoices(self):
        self.program.one_mail_per_customer = True
        self.stage_1.attach_invoice = True
        self._run()
        mail = self._customer_mail(self.en_auto)
        self.assertEqual(self._customer_mail(self.en_hand), mail, "both invoices of Dupont in one mail")
        self.assertEqual(len(mail.attachment_ids), 2)
        self.assertEqual(set(mail.attachment_ids.mapped("res_id")), {self.en_auto.id, self.en_hand.id})
        main = mail.mail_message_id.res_id
        other = (self.en_auto | self.en_hand).filtered(lambda move: move.id != main)
        notes = other.message_ids.filtered(lambda m: "sent with" in (m.body or ""))
        self.assertEqual(len(notes), 1, "the other invoice says which mail reminded it")
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
        french = self._customer_mail(self.fr_auto)
        self.assertEqual(
            sorted(french.attachment_ids.mapped("name")),
            sorted(f"{move.name.replace('/', '_')} (relance).pdf" for move in self.fr_auto | self.fr_hand),
            "the stamped copies, named in the customer's language",
        )

    def test_a_faulty_template_fails_only_its_reminder(self):
        template = self.stage_1.mail_template_id.copy()
        for lang in ("en_US", "fr_FR"):
            template.with_context(lang=lang).body_html = "<p><t t-out='object.no_such_field'/></p>"
        self.french.write(
            {"relance_policy": "custom", "relance_program_id": self._create_program(name="Broken", mode="auto").id}
        )
        self.french.relance_program_id.stage_ids.mail_template_id = template
        with mute_logger(
            "odoo.addons.relances_auto.models.account_move", "odoo.addons.relances_auto.models.relance_sender"
        ):
            self._run()
        self.assertEqual(set(self.fr_auto.relance_log_ids.mapped("state")), {"failed"})
        self.assertIn("cannot be rendered", self.fr_auto.relance_log_ids[0].failure_reason)
        self.assertEqual(set((self.en_auto | self.en_hand).relance_log_ids.mapped("state")), {"queued"})

    def test_a_level_recorded_meanwhile_is_not_sent_twice(self):
        """Another run recorded a level between the plan and the bulk insert:
        the batch is sent one by one, that reminder is left out, the others go."""
        plan = [
            [line]
            for line in self.env["relance.planner"]._get_plan(companies=self.company, today=datetime.date(2026, 3, 31))
            if line.send
        ]
        self.assertEqual(len(plan), 4)
        concurrent = self.en_auto.env["relance.sender"]._log_values(
            RelanceMail(self.en_auto, self.stage_1), "auto", "queued", "x", "x"
        )
        self.env["relance.log"].sudo().create(concurrent)
        with freeze_time(AT_HOUR), self.mock_mail_gateway(), mute_logger("odoo.sql_db"):
            done, logs = self.env["relance.sender"]._queue(plan, "auto")
        self.assertEqual(done, 3)
        self.assertNotIn(self.en_auto, logs.move_id)
        self.assertEqual(len(self.en_auto.relance_log_ids), 1, "only the other run's line")
