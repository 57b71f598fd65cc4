from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo.addons.relances_auto.models.relance_sender import RelanceMail, RelanceSender
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RelancesCommon

# 05:30 UTC is 07:30 in Paris on 2026-03-31 (summer time)
AT_HOUR = "2026-03-31 05:30:00"
BEFORE_HOUR = "2026-03-31 04:30:00"


@tagged("post_install", "-at_install")
class TestDailyJob(RelancesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Paris"
        cls.company.relance_digest_user_ids = cls.manager_user
        cls.program.mode = "auto"
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Bernard SA", "email": "compta@bernard.example.com", "is_company": True}
        )
        with freeze_time(AT_HOUR):
            cls.move_a1 = cls._create_invoice(due_date="2026-03-20")  # 11 days: level 1
            cls.move_a2 = cls._create_invoice(due_date="2026-03-01")  # 30 days: level 3
            cls.move_b1 = cls._create_invoice(partner=cls.customer_b, due_date="2026-03-15")  # 16 days: level 2

    def _run(self, **context):
        return self.env["relance.job"].with_context(**context)._run(companies=self.company)

    def _auto_logs(self, moves=None):
        moves = moves or (self.move_a1 | self.move_a2 | self.move_b1)
        return moves.relance_log_ids.filtered(lambda log: log.kind == "auto")

    def test_nothing_before_the_sending_hour(self):
        with freeze_time(BEFORE_HOUR), self.mock_mail_gateway():
            self._run()
        self.assertFalse(self._new_mails)
        self.assertFalse(self.company.relance_digest_date)

    def test_digest_then_reminders(self):
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            queued = self._run()
            digest = self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id)
            self.assertEqual(len(digest), 1, "the digest goes to its recipients")
            self.assertLess(digest.id, min((self._new_mails - digest).ids), "the digest goes first")
            self.assertIn("Dupont SARL", digest.body_html)
            self.assertIn("Bernard SA", digest.body_html)
            self.assertIn(self.move_a2.name, digest.body_html)
            self.assertEqual(queued, 3)
            customer_mails = self._new_mails.filtered(lambda m: self.customer in m.recipient_ids)
            self.assertEqual(
                sorted(customer_mails.mapped("subject")),
                [
                    f"Formal notice: invoice {self.move_a2.name} remains unpaid",
                    f"Reminder: invoice {self.move_a1.name} is overdue",
                ],
                "one mail per invoice",
            )
            self.assertMailMail(
                self.customer_b,
                "outgoing",
                fields_values={"subject": f"Second reminder: invoice {self.move_b1.name} is still unpaid"},
            )
        self.assertEqual(
            [(log.move_id, log.level, log.state) for log in self._auto_logs().sorted("move_id")],
            [(self.move_a1, 1, "queued"), (self.move_a2, 3, "queued"), (self.move_b1, 2, "queued")],
        )
        self.assertEqual(str(self.company.relance_run_date), "2026-03-31")
        self.assertTrue(all(mail.state == "outgoing" for mail in self._new_mails), "queued, never sent in the job")

    def test_second_run_sends_nothing(self):
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run()
        with freeze_time("2026-03-31 09:00:00"), self.mock_mail_gateway():
            self._run()
            self.company.relance_run_date = False  # even forced again the same day
            self.company.relance_digest_date = False
            self._run()
            self.assertFalse(self._new_mails.filtered(lambda m: m.recipient_ids != self.manager_user.partner_id))
        self.assertEqual(len(self._auto_logs()), 3)

    def test_next_day_next_stage_only(self):
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run()
        with freeze_time("2026-04-04 05:30:00"), self.mock_mail_gateway():  # a1: 15 days late
            self._run()
        self.assertEqual(sorted(self._auto_logs(self.move_a1).mapped("level")), [1, 2])
        self.assertEqual(len(self._auto_logs(self.move_a2)), 1, "level 3 is the last")

    def test_one_mail_per_customer(self):
        self.program.one_mail_per_customer = True
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run()
            mails = self._new_mails.filtered(lambda m: self.customer in m.recipient_ids)
        self.assertEqual(len(mails), 1, "one mail covers both invoices of the customer")
        self.assertEqual(mails.subject, f"Invoices {self.move_a1.name} and {self.move_a2.name} remain unpaid")
        self.assertIn(self.move_a1.name, mails.body_html)
        self.assertIn(self.move_a2.name, mails.body_html)
        self.assertEqual(self._auto_logs(self.move_a1).level, 1, "each invoice records its own level")
        self.assertEqual(self._auto_logs(self.move_a2).level, 3)
        self.assertEqual(self._auto_logs(self.move_a1).mail_id, self._auto_logs(self.move_a2).mail_id)

    def test_a_failing_invoice_never_stops_the_others(self):
        template = self.env.ref("relances_auto.mail_template_relance_level_1")
        template.body_html = "<p t-out=\"1 / 0 if object.ref == 'BOOM' else object.name\"/>"
        self.move_a1.ref = "BOOM"
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run()
        failed = self._auto_logs(self.move_a1)
        self.assertEqual(failed.state, "failed")
        self.assertIn("cannot be rendered", failed.failure_reason)
        self.assertEqual(self._auto_logs(self.move_b1).state, "queued")
        self.assertEqual(self._auto_logs(self.move_a2).state, "queued")
        with freeze_time("2026-04-01 05:30:00"), self.mock_mail_gateway():
            self._run()
            digest = self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id)
        self.assertIn("Not delivered since the last digest", digest.body_html)
        self.assertIn(self.move_a1.name, digest.body_html)

    def test_paid_between_digest_and_sending(self):
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run(relance_batch_size=1)  # digest + the first mail, then more to do
            self.assertEqual(len(self._auto_logs()), 1)
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=self.move_b1.ids
            ).create({"payment_date": "2026-03-31"})._create_payments()
            self._run(relance_batch_size=10)
        self.assertFalse(self._auto_logs(self.move_b1), "paid since the digest: not reminded")
        self.assertEqual(len(self._auto_logs()), 2)

    def test_a_call_stops_after_its_time_budget(self):
        """Slow sends (PDFs) end the call early; the cron is called again for the rest."""
        triggers = self.env["ir.cron.trigger"].search_count
        cron = self.env.ref("relances_auto.ir_cron_relances_auto")
        before = triggers([("cron_id", "=", cron.id)])
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            queued = self._run(relance_batch_seconds=0, relance_chunk_size=1)
            self.assertEqual(queued, 1, "one mail, then the time is up")
            self.assertGreater(triggers([("cron_id", "=", cron.id)]), before, "called again for the rest")
            self.assertFalse(self.company.relance_run_date, "the day's run is not over")
            self._run()
        self.assertEqual(len(self._auto_logs()), 3, "all sent in the end, each once")
        self.assertEqual(self.company.relance_run_date.isoformat(), "2026-03-31")

    def test_crash_halfway_and_rerun(self):
        original = RelanceSender._post
        calls = []

        def crash_on_second(sender, *args, **kwargs):
            calls.append(args)
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return original(sender, *args, **kwargs)

        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run(relance_batch_size=1)  # a first batch, committed in production
            self.assertEqual(len(self._auto_logs()), 1)
            with (
                patch.object(RelanceSender, "_post", crash_on_second),
                mute_logger("odoo.addons.relances_auto.models.relance_job"),
            ):
                # the batch with the crash is rolled back, as its transaction would be
                self._run(relance_batch_size=10, relance_chunk_size=1)
            self.assertEqual(len(self._auto_logs()), 1, "nothing of the crashed batch remains")
            self.assertIn("RuntimeError", self.company.relance_run_error)
            self.assertFalse(self.company.relance_run_date, "tried again at the next run")
            self._run(relance_batch_size=10)
            self._run(relance_batch_size=10)
        logs = self._auto_logs()
        self.assertEqual(sorted(logs.mapped("level")), [1, 2, 3], "each reminder exactly once")
        customer_mails = self._new_mails.exists().filtered(lambda m: m.recipient_ids != self.manager_user.partner_id)
        self.assertEqual(len(customer_mails), 3)
        self.assertEqual(str(self.company.relance_run_date), "2026-03-31")

    def test_database_refuses_a_second_automatic_send(self):
        stage = self.program.stage_ids.filtered(lambda s: s.level == 1)
        values = self.move_a1.env["relance.sender"]._log_values(
            RelanceMail(self.move_a1, stage), "auto", "queued", "x", "x"
        )
        history = self.env["relance.log"].sudo()  # only the product writes the history
        history.create(values)
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            history.create(values)
        failed = dict(values[0], state="failed")
        history.create(failed)  # a failure may be retried

    def test_manual_program_digest_only(self):
        self.program.mode = "manual"
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run()
        self.assertEqual(self._new_mails.recipient_ids, self.manager_user.partner_id)
        self.assertIn("Program in manual mode", self._new_mails.body_html)
        self.assertFalse(self._auto_logs())

    def test_letters_in_the_daily_run(self):
        """A letter stage: the digest counts the letter, the run makes it, no mail goes."""
        self.program.stage_ids.filtered(lambda s: s.level == 2).channel = "letter"
        self.customer_b.write({"street": "3 place Bellecour", "city": "Lyon"})
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run()
            digest = self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id)
            self.assertIn("Letters to print:", digest.body_html)
            self.assertIn("Will be sent by letter", digest.body_html)
            self.assertFalse(self._new_mails.filtered(lambda m: self.customer_b in m.recipient_ids), "no mail")
        log = self._auto_logs(self.move_b1)
        self.assertEqual((log.level, log.channel, log.state), (2, "letter", "to_print"))
        self.assertTrue(log.letter_attachment_id.raw.startswith(b"%PDF"))
        values = self.env["relance.digest"]._values(self.company, [])
        self.assertEqual(values["letters_waiting"], 1, "the next digest still counts it, until printed")
        log.action_print_letters()
        self.assertEqual(self.env["relance.digest"]._values(self.company, [])["letters_waiting"], 0)

    def test_letter_without_address_is_not_made(self):
        self.program.stage_ids.filtered(lambda s: s.level == 2).channel = "letter"
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self._run()
            digest = self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id)
            self.assertIn("No postal address for the letter", digest.body_html)
        self.assertFalse(self._auto_logs(self.move_b1))

    def test_multi_company(self):
        other = self.setup_other_company()["company"]
        other.partner_id.tz = "Europe/Paris"
        other.relance_send_hour = 9.0
        other.relance_program_id.mode = "auto"
        self.manager_user.company_ids |= other  # a digest goes only to users of its company
        other.relance_digest_user_ids = self.manager_user
        with freeze_time(AT_HOUR):
            theirs = self._create_invoice(partner=self.customer, due_date="2026-03-20", company=other)
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self.env["relance.job"]._run(companies=self.company | other)
        self.assertFalse(theirs.relance_log_ids, "not yet 09:00 for the other company")
        self.assertEqual(len(self._auto_logs()), 3)
        with freeze_time("2026-03-31 07:05:00"), self.mock_mail_gateway():
            self.env["relance.job"]._run(companies=self.company | other)
            digests = self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id)
        self.assertEqual(theirs.relance_log_ids.level, 1)
        self.assertEqual(theirs.relance_log_ids.company_id, other)
        self.assertEqual(len(digests), 1, "only the other company's digest")
        self.assertIn(theirs.name, digests.body_html)
        self.assertNotIn("Bernard SA", digests.body_html, "a digest never crosses companies")
        self.assertEqual(len(self._auto_logs()), 3)

    def test_cron(self):
        cron = self.env.ref("relances_auto.ir_cron_relances_auto")
        self.assertEqual(cron.model_id.model, "relance.program")
        self.assertEqual(cron.code.strip(), "model._cron_relances()")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "hours"))
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self.env["relance.program"]._cron_relances()
        self.assertEqual(len(self._auto_logs()), 3)


@tagged("post_install", "-at_install")
class TestSimulation(RelancesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Paris"
        with freeze_time(AT_HOUR):
            cls.move = cls._create_invoice(due_date="2026-03-15", amount=1234.5)
            excluded = cls.env["res.partner"].create({"name": "Exclu", "email": "exclu@example.com"})
            cls.excluded_move = cls._create_invoice(partner=excluded, due_date="2026-03-15")
            cls.excluded_move.relance_excluded = True

    def _simulate(self, user):
        settings = self.env["res.config.settings"].with_user(user).create({})
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            settings.action_relance_send_simulation()
        return self._new_mails

    def test_send_me_a_simulation(self):
        self.program.mode = "auto"
        mails = self._simulate(self.manager_user)
        self.assertEqual(len(mails), 1, "only to me")
        self.assertEqual(mails.recipient_ids, self.manager_user.partner_id)
        self.assertFalse(mails.email_to, "one copy")
        body = mails.body_html
        self.assertIn("Dupont SARL", body)
        self.assertIn(self.move.name, body)
        self.assertIn("1,234.50", body)
        self.assertIn("03/15/2026", body)
        self.assertIn("Will be sent", body)
        self.assertIn("Invoice excluded from automatic reminders", body)
        self.assertIn("Level 2", body)
        self.assertFalse(self.move.relance_log_ids, "nothing sent to any customer")
        self.assertFalse(self.company.relance_digest_date, "the daily job still runs")

    def test_simulation_in_my_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.manager_user.lang = "fr_FR"
        mails = self._simulate(self.manager_user)
        self.assertIn("1\N{NO-BREAK SPACE}234,50", mails.body_html)
        self.assertIn("15/03/2026", mails.body_html)
        self.assertIn("Programme en mode manuel", mails.body_html)

    def test_same_digest_as_the_job(self):
        self.company.relance_digest_user_ids = self.manager_user
        simulated = self._simulate(self.manager_user)  # before the run: the same day's plan
        with freeze_time(AT_HOUR), self.mock_mail_gateway():
            self.env["relance.job"]._run(companies=self.company)
            job_mail = self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id)
        self.assertEqual(simulated.body_html, job_mail.body_html)
