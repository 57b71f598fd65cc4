import email
import email.policy
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from unittest.mock import patch

from freezegun import freeze_time
from lxml import html as lxml_html

import odoo
from odoo.tests import tagged

from .common import RelancesCommon

# the demo's SMTP sink (dev/smtp_sink.py): a real SMTP server on 127.0.0.1
SINK = pathlib.Path(__file__).resolve().parents[2] / "dev" / "smtp_sink.py"
AT_HOUR = "2026-03-31 07:30:00"


class SmtpSink:
    """The demo's SMTP sink in its own process, stopped and started at will."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="relances-sink-"))
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, str(SINK), "--port", str(self.port), "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for __ in range(100):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the SMTP sink did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def mails(self):
        """The mails received, parsed."""
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.SMTP)
            for path in sorted(self.folder.glob("*.eml"))
        ]


@tagged("post_install", "-at_install")
class TestDelivery(RelancesCommon):
    """What really happens to a reminder's mail, with a real SMTP server: the
    server down during the queue's run, back later, a bounce days later."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not SINK.exists():
            raise AssertionError(f"{SINK} is needed: run the tests from the repository")
        cls.program.mode = "auto"
        cls.company.relance_digest_user_ids = cls.manager_user
        cls.customer.lang = "en_US"

    def setUp(self):
        super().setUp()
        self.sink = SmtpSink()
        self.addCleanup(self.sink.stop)
        self.env["ir.mail_server"].sudo().search([]).active = False
        self.env["ir.mail_server"].sudo().create(
            {"name": "Local sink", "smtp_host": "127.0.0.1", "smtp_port": self.sink.port, "from_filter": False}
        )
        self.move = self._create_invoice(due_date="2026-03-21")  # 10 days late: level 1

    @contextmanager
    def _real_smtp(self):
        # Odoo never connects to a mail server while tests run: this one does
        with patch.object(odoo.modules.module, "current_test", None):
            yield

    def _run_job(self, at=AT_HOUR):
        with freeze_time(at):
            self.company.relance_run_date = False
            self.env["relance.job"]._run(companies=self.company)
        self.env.flush_all()

    def _hourly(self):
        """An hourly call of the cron after the day's run: retries only."""
        with freeze_time("2026-03-31 08:30:00"):
            self.env["relance.job"]._run(companies=self.company)
        self.env.flush_all()

    def _process_queue(self):
        with self._real_smtp():
            self.env["mail.mail"].sudo().process_email_queue()
        self.env.flush_all()

    def _digest_failures(self, lang="en_US"):
        with freeze_time("2026-03-31 08:30:00"):
            __, html = self.env["relance.digest"].with_context(lang=lang)._render(self.company, [])
        items = lxml_html.fromstring(str(html)).xpath("//ul[hasclass('o_relance_digest_failed')]/li")
        return [" ".join(item.text_content().split()) for item in items]

    def test_server_down_then_back_delivers_each_reminder_once(self):
        self._run_job()
        log = self.move.relance_log_ids
        self.assertEqual((log.level, log.state), (1, "queued"))
        # the server is down when the mail queue runs
        self._process_queue()
        self.assertEqual(log.state, "failed")
        self.assertTrue(log.delivery_failed)
        self.assertEqual(log.failure_reason, "The mail server could not be reached: 111 Connection refused")
        self.assertEqual(self.move.relance_last_level, 1, "reached: never planned again while retried")
        with freeze_time(AT_HOUR):
            self.move.invalidate_recordset(["relance_last_label"])
            self.assertEqual(self.move.relance_last_label, "Level 1, today (1 sent), not delivered (retried)")
        self.assertEqual(
            self._digest_failures(),
            [f"{self.move.name} (level 1): {log.failure_reason} (retry 1 of 3 at the next hourly run)"],
        )
        # the next hourly run retries it; still down
        self._hourly()
        self.assertEqual((log.state, log.retry_count), ("queued", 1))
        self._process_queue()
        self.assertEqual(log.state, "failed")
        # the next day's run plans nothing new for that level
        self._run_job("2026-04-01 07:30:00")
        self.assertEqual(len(self.move.relance_log_ids), 1, "the level is not sent a second time")
        # the server is back: the next hourly run delivers it, once
        self.sink.start()
        self._hourly()
        self._process_queue()
        self.assertEqual((log.state, log.retry_count), ("sent", 2))
        received = [mail for mail in self.sink.mails() if mail["To"] and "dupont" in mail["To"]]
        self.assertEqual(len(received), 1, "delivered exactly once")
        self.assertIn(self.move.name, received[0]["Subject"])
        self.assertEqual((self.move.relance_last_level, self.move.relance_count), (1, 1), "counted once")
        self._hourly()
        self._process_queue()
        self.assertEqual(len([mail for mail in self.sink.mails() if "dupont" in (mail["To"] or "")]), 1)

    def test_three_retries_then_failed_for_good_and_retry_by_hand(self):
        self._run_job()
        log = self.move.relance_log_ids
        self._process_queue()
        for number in (1, 2, 3):
            self._hourly()
            self.assertEqual((log.state, log.retry_count), ("queued", number))
            self._process_queue()
        self._hourly()
        self.assertEqual((log.state, log.retry_count), ("failed", 3), "no fourth automatic retry")
        self.assertIn("failed for good after 3 retries", self._digest_failures()[0])
        self.assertTrue(self.move.relance_retry_possible)
        # “Retry” in Late payments, once the server is back
        self.sink.start()
        self.move.with_user(self.billing_user).action_relance_retry()
        self.assertEqual(log.state, "queued")
        self._process_queue()
        self.assertEqual(log.state, "sent")
        self.assertFalse(self.move.relance_retry_possible)
        self.assertEqual(len([mail for mail in self.sink.mails() if "dupont" in (mail["To"] or "")]), 1)

    def test_a_bounce_marks_the_reminder_and_stops_mails_to_that_address(self):
        self.sink.start()
        self._run_job()
        self._process_queue()
        log = self.move.relance_log_ids
        self.assertEqual(log.state, "sent")
        (delivered,) = [mail for mail in self.sink.mails() if "dupont" in (mail["To"] or "")]
        # two days later, the customer's server sends the mail back (a DSN to the bounce alias)
        bounce = self._dsn(delivered, "compta@dupont.example.com")
        with freeze_time("2026-04-02 09:00:00"):
            self.env["mail.thread"].message_process(False, bounce.encode())
        self.env.flush_all()
        self.assertEqual(log.state, "bounced")
        with freeze_time("2026-04-02 09:00:00"):
            self.move.invalidate_recordset(["relance_last_label"])
            self.assertEqual(self.move.relance_last_label, "Level 1, 2 days ago (1 sent), bounced")
        self.assertIn("compta@dupont.example.com bounced", log.failure_reason)
        self.assertEqual(self._digest_failures(), [f"{self.move.name} (level 1): {log.failure_reason}"])
        self.assertGreater(self.customer.message_bounce, 0)
        # the next stage is not mailed to an address known to bounce…
        plan = self.env["relance.planner"]._get_plan(companies=self.company, today="2026-04-06")
        (line,) = [line for line in plan if line.invoice_id == self.move.id]
        self.assertEqual((line.level, line.send, line.reason), (2, False, "bounced"))
        self.assertEqual(
            self.env["relance.planner"]._reason_text(line, self.move),
            "The address compta@dupont.example.com bounced: correct the customer's email address.",
        )
        # …until it changes
        self.customer.email = "factures@dupont.example.com"
        plan = self.env["relance.planner"]._get_plan(companies=self.company, today="2026-04-06")
        (line,) = [line for line in plan if line.invoice_id == self.move.id]
        self.assertTrue(line.send)

    def _dsn(self, original, recipient):
        """A delivery status notification (RFC 3464) returning ``original``,
        as a mail server sends it to the bounce address."""
        return f"""From: MAILER-DAEMON <mailer-daemon@dupont.example.com>
To: {self.alias_bounce}@{self.alias_domain}
Subject: Undelivered Mail Returned to Sender
Message-Id: <dsn-1@dupont.example.com>
Date: Thu, 02 Apr 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN-BOUNDARY"

--DSN-BOUNDARY
Content-Type: text/plain; charset=utf-8

The mail could not be delivered: mailbox unknown.

--DSN-BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.dupont.example.com

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1

--DSN-BOUNDARY
Content-Type: message/rfc822

{original.as_string()}
--DSN-BOUNDARY--
"""

    def test_what_french_readers_see_of_a_delivery_failure(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        self.customer.lang = self.company.partner_id.lang = "fr_FR"
        self._run_job()
        self._process_queue()
        log = self.move.relance_log_ids
        self.assertEqual(log.state, "failed")
        self.assertEqual(log.failure_reason, "Le serveur de messagerie est injoignable : 111 Connection refused")
        self.assertEqual(
            self._digest_failures("fr_FR"),
            [
                f"{self.move.name} (niveau 1) : {log.failure_reason} "
                "(nouvelle tentative 1 sur 3 au prochain passage horaire)"
            ],
        )
        with freeze_time(AT_HOUR):
            label = self.move.with_context(lang="fr_FR")
            label.invalidate_recordset(["relance_last_label"])
            self.assertEqual(
                label.relance_last_label, "Niveau 1, aujourd'hui (1 envoyée), non remise (nouvelle tentative)"
            )
