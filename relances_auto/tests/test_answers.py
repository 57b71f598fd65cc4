import re
from html import unescape
from unittest.mock import patch

from freezegun import freeze_time
from lxml import html as lxml_html

import odoo
from odoo import Command
from odoo.tests import Form, HttpCase, tagged
from odoo.tools.misc import format_date

from .common import RelancesCommon, read_digest
from .test_delivery import SmtpSink


def page_text(response):
    return " ".join(lxml_html.fromstring(response.content).text_content().split())


@tagged("post_install", "-at_install")
class TestCustomerAnswers(RelancesCommon, HttpCase):
    """The customer answers its reminder from the link it carries: a page
    with no login (the invoice's portal token), POSTs with CSRF, and each
    answer pauses the invoice by itself and tells the accountant."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.lang = "en_US"
        cls.program.mode = "auto"
        cls.move = cls._create_invoice(due_date="2026-03-01", amount=1000.0)
        cls.other_late = cls._create_invoice(due_date="2026-03-05", amount=250.0)
        stranger = cls.env["res.partner"].create({"name": "Martin & Fils", "email": "martin@example.com"})
        cls.strangers = cls._create_invoice(partner=stranger, due_date="2026-03-01", amount=777.0)
        cls.move.invoice_user_id = cls.billing_user

    def _url(self, move=None):
        move = move or self.move
        return move._relance_answer_url().replace(move.get_base_url(), "")

    def _answer(self, values, move=None):
        """The page, then its form posted as a browser does (CSRF token of the page)."""
        page = self.url_open(self._url(move))
        self.assertEqual(page.status_code, 200)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        data = {"csrf_token": token, "access_token": (move or self.move).access_token, **values}
        files = values.pop("files", None)
        data.pop("files", None)
        return self.url_open(self._url(move), data=data, files=files)

    def test_every_reminder_carries_the_link(self):
        with freeze_time("2026-03-31 08:00:00"), self.mock_mail_gateway():
            action = self.move.action_relance_open_send()
            Form(self.env[action["res_model"]].with_context(**action["context"])).save().action_send_customer()
        body = self.move.relance_log_ids.mail_message_id.body
        self.assertIn(f"/relances/answer/{self.move.id}?access_token={self.move.access_token}", body)
        self.assertIn("Already paid, paying on a given date, or disputing this invoice? Tell us here:", body)

    def test_the_page_shows_only_this_customer_s_late_invoices(self):
        with freeze_time("2026-03-31 08:00:00"):
            response = self.url_open(self._url())
        self.assertEqual(response.status_code, 200)
        text = page_text(response)
        self.assertIn(self.move.name, text)
        self.assertIn(self.other_late.name, text)
        self.assertNotIn(self.strangers.name, text, "nothing of another customer")
        self.assertNotIn("777.00", text)

    def test_a_wrong_or_old_token_is_a_404(self):
        url = f"/relances/answer/{self.move.id}"
        self.assertEqual(self.url_open(url).status_code, 404)
        self.assertEqual(self.url_open(f"{url}?access_token=wrong").status_code, 404)
        old = self._url()
        self.move.access_token = False
        self.move._portal_ensure_token()
        self.assertEqual(self.url_open(old).status_code, 404, "an old link is dead once the token changes")
        other = self.strangers._relance_answer_url().split("access_token=")[1]
        self.assertEqual(self.url_open(f"{url}?access_token={other}").status_code, 404, "another invoice's token")

    def test_a_promise_pauses_the_invoice_and_tells_the_accountant(self):
        with freeze_time("2026-03-31 08:00:00"):
            response = self._answer({"kind": "promise", "promised_date": "2026-04-15", "note": "Paid with April's run"})
        self.assertIn(
            f"Thank you, your answer about invoice {self.move.name} is recorded: you will pay on 04/15/2026. "
            "We will not remind you of it in the meantime.",
            page_text(response),
        )
        answer = self.move.relance_answer_ids
        self.assertEqual((answer.kind, str(answer.promised_date), answer.state), ("promise", "2026-04-15", "open"))
        self.assertEqual(
            (str(self.move.relance_paused_until), self.move.relance_pause_reason), ("2026-04-18", "promise")
        )
        activity = self.move.activity_ids
        self.assertEqual((activity.user_id, activity.summary), (self.billing_user, "Check the promised payment"))
        self.assertIn("Paid with April's run", " ".join(self.move.message_ids.mapped("body")))
        # the plan and the digest say why it is not reminded
        line = self.env["relance.planner"]._get_plan(
            companies=self.company, today="2026-04-05", move_ids=self.move.ids
        )[0]
        self.assertEqual(
            self.env["relance.planner"]._reason_text(line, self.move), "The customer promised to pay on 04/15/2026"
        )
        # not paid by the promised date and its grace: broken, reminders resume
        with freeze_time("2026-04-19 08:00:00"):
            self.env["relance.answer"]._check_promises(self.company)
        self.assertEqual(answer.state, "broken")
        line = self.env["relance.planner"]._get_plan(
            companies=self.company, today="2026-04-19", move_ids=self.move.ids
        )[0]
        self.assertTrue(line.send)
        with freeze_time("2026-04-19 08:00:00"):
            status = self.env["relance.digest"]._status(line, {}, {"email": "by email"}, self.move)
        self.assertEqual(status, "Will be sent by email (promise of 04/15/2026 not kept)")

    def test_one_answer_in_force_and_none_twice(self):
        """A second answer replaces the first (its activity closed); the same
        form sent twice, or the page reloaded, makes no second answer; the page
        says what was answered, for each invoice."""
        with freeze_time("2026-03-31 08:00:00"):
            self._answer({"kind": "dispute", "reason": "amount", "note": "We ordered 10, not 12."})
            dispute = self.move.relance_answer_ids
            self.assertEqual((self.move.relance_pause_reason, len(self.move.activity_ids)), ("dispute", 1))
            response = self._answer({"kind": "promise", "promised_date": "2026-04-15"})
            again = self._answer({"kind": "promise", "promised_date": "2026-04-15"})
            reloaded = self.url_open(again.url)
        promise = self.move.relance_answer_ids - dispute
        self.assertEqual(len(promise), 1, "the same answer sent twice, or reloaded, is one answer")
        self.assertEqual((dispute.state, promise.state), ("replaced", "open"))
        self.assertEqual(self.move.relance_pause_reason, "promise", "the answer in force pauses the invoice")
        activity = self.move.activity_ids
        self.assertEqual(activity.summary, "Check the promised payment", "the dispute's activity is closed")
        self.assertEqual(str(activity.date_deadline), "2026-04-15", "a promise is checked on its day")
        for page in (response, reloaded):
            self.assertIn(
                f"answer about invoice {self.move.name} is recorded: you will pay on 04/15/2026", page_text(page)
            )
        with freeze_time("2026-03-31 08:00:00"):
            text = page_text(self.url_open(self._url()))
            other = lxml_html.fromstring(self.url_open(self._url()).content)
        self.assertIn("You answered on 03/31/2026: you will pay on 04/15/2026. You can change your answer below.", text)
        (link,) = other.xpath(f"//table//a[normalize-space()='{self.other_late.name}']")
        self.assertEqual(link.get("href"), f"/en{self._url(self.other_late)}", "the other invoice, on its own page")

    def test_handled_ends_the_pause_and_the_activity(self):
        with freeze_time("2026-03-31 08:00:00"):
            self._answer({"kind": "dispute", "reason": "quality", "note": "Broken parts."})
        answer = self.move.relance_answer_ids
        result = answer.with_user(self.billing_user).action_done()
        self.assertIn("the invoice's pause has ended", result["params"]["message"])
        self.assertEqual(answer.state, "done")
        self.assertFalse(self.move.activity_ids, "its activity is done")
        self.assertFalse(self.move.relance_paused_until, "reminders resume")
        self.assertIn("handled by", self.move.message_ids[0].body)

    def test_a_dispute_and_already_paid(self):
        with freeze_time("2026-03-31 08:00:00"):
            self._answer({"kind": "dispute", "reason": "amount", "note": "We ordered 10, not 12."})
        self.assertEqual(self.move.relance_pause_reason, "dispute")
        chatter = " ".join(self.move.message_ids.mapped("body"))
        self.assertIn("We ordered 10, not 12.", chatter)
        self.assertIn("The customer disputes the invoice: Wrong amount", chatter)
        with freeze_time("2026-03-31 08:00:00"):
            self._answer(
                {
                    "kind": "paid",
                    "payment_date": "2026-03-28",
                    "files": {"proof": ("transfer.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
                },
                move=self.other_late,
            )
        paid = self.other_late.relance_answer_ids
        self.assertEqual(
            (paid.kind, str(paid.payment_date), paid.attachment_ids.name), ("paid", "2026-03-28", "transfer.pdf")
        )
        self.assertEqual(
            (str(self.other_late.relance_paused_until), self.other_late.relance_pause_reason), ("2026-04-07", "paid")
        )

    def test_bad_answers_are_refused_and_change_nothing(self):
        with freeze_time("2026-03-31 08:00:00"):
            too_far = self._answer({"kind": "promise", "promised_date": "2026-06-30"})
            self.assertIn("A payment date within 30 days", page_text(too_far))
            exe = self._answer(
                {
                    "kind": "paid",
                    "payment_date": "2026-03-28",
                    "files": {"proof": ("x.exe", b"MZ\x90\x00binary", "application/octet-stream")},
                }
            )
            self.assertIn("Attach a PDF, PNG or JPEG file.", page_text(exe))
            no_csrf = self.url_open(self._url(), data={"kind": "promise", "promised_date": "2026-04-10"})
            self.assertGreaterEqual(no_csrf.status_code, 400, "no CSRF token, no change")
        self.assertFalse(self.move.relance_answer_ids)
        self.assertFalse(self.move.relance_paused_until)
        with freeze_time("2026-03-31 08:00:00"):
            for day in range(10, 15):  # five answers, each changing the last
                self._answer({"kind": "promise", "promised_date": f"2026-04-{day}"})
            sixth = self._answer({"kind": "promise", "promised_date": "2026-04-15"})
        self.assertIn("many answers today", page_text(sixth))
        self.assertEqual(len(self.move.relance_answer_ids), 5)

    def test_a_paid_invoice_says_so(self):
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=self.move.ids).create(
            {}
        )._create_payments()
        response = self.url_open(self._url())
        self.assertIn(f"Invoice {self.move.name} is paid: thank you.", page_text(response))
        self.assertNotIn("I will pay on", page_text(response))

    def test_the_page_speaks_the_customer_s_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        self.customer.lang = "fr_FR"
        with freeze_time("2026-03-31 08:00:00"):
            text = page_text(self.url_open(self._url()))
            self.assertIn(f"Factures émises par {self.company.name}", text)
            self.assertIn("Je paierai le", text)
            self.assertIn("Je conteste cette facture", text)
            done = page_text(self._answer({"kind": "promise", "promised_date": "2026-04-15"}))
        self.assertIn(
            f"Merci, votre réponse concernant la facture {self.move.name} est enregistrée : vous paierez le "
            "15/04/2026. Nous ne vous relancerons pas pour celle-ci d'ici là.",
            done,
        )

    def test_the_dashboard_counts_the_answers_and_opens_them(self):
        with freeze_time("2026-03-31 08:00:00"):
            self._answer({"kind": "promise", "promised_date": "2026-04-15"})
            self._answer({"kind": "dispute", "reason": "quality", "note": "Broken parts."}, move=self.other_late)
            figures = {row["label"]: row for row in self.env["relance.dashboard"].get_data()["answers"]}
        self.assertEqual(figures["Promises to pay, pending"]["count"], 1)
        self.assertEqual(figures["Open disputes"]["count"], 1)
        self.assertEqual(figures["Promises not kept"]["count"], 0)
        action = figures["Open disputes"]["action"]
        self.assertEqual(self.env["relance.answer"].search(action["domain"]).move_id, self.other_late)

    def test_tours_the_customer_answers_in_english_and_in_french(self):
        """In headless Chromium, as the customer (no login): each answer, then
        what the accountant sees (the tab's answers, the chatter, the activity,
        the plan's reason)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        french = self.env["res.partner"].create(
            {"name": "Dupont Frères", "email": "dupont@example.fr", "lang": "fr_FR"}
        )
        sink = SmtpSink()
        sink.start()
        self.addCleanup(sink.stop)
        self.env["ir.mail_server"].sudo().search([]).active = False
        self.env["ir.mail_server"].sudo().create({"name": "Sink", "smtp_host": "127.0.0.1", "smtp_port": sink.port})
        for lang, partner in (("en_US", self.customer), ("fr_FR", french)):
            for kind in ("promise", "paid", "dispute"):
                move = self._create_invoice(partner=partner, due_date="2026-03-01", amount=500.0)
                # the link as the customer receives it: in its reminder, delivered by a real SMTP server
                # (its first level: the last one is still due, and the digest says why it is not sent)
                action = move.action_relance_open_send()
                wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
                wizard.stage_id = self.program.stage_ids.filtered(lambda stage: stage.level == 1)
                wizard.save().action_send_customer()
                with patch.object(odoo.modules.module, "current_test", None):
                    self.env["mail.mail"].sudo().process_email_queue()
                (mail,) = [m for m in sink.mails() if partner.email in str(m["To"]) and move.name in str(m["Subject"])]
                html = mail.get_body(("html",)).get_content()
                link = unescape(re.search(r'href="([^"]*/relances/answer/[^"]+)"', html).group(1))
                self.assertEqual(link, move._relance_answer_url())
                self.start_tour(link.replace(move.get_base_url(), ""), f"relances_auto_answer_{kind}_tour", login=None)
                answer = move.relance_answer_ids
                self.assertEqual((answer.kind, answer.state), (kind, "open"), f"{lang} {kind}")
                self.assertTrue(move.relance_paused_until, "paused by itself")
                self.assertEqual(len(move.activity_ids), 1, "an activity for the accountant")
                chatter = " ".join(move.message_ids.mapped("body"))
                office = answer.with_context(lang=self.company.partner_id.lang or "en_US")
                self.assertIn(office._summary(), chatter, "in the chatter, in the company's language")
                self.assertEqual(move.relance_pause_note, office._summary(), "so is the pause note")
                page = page_text(self.url_open(self._url(move)))
                self.assertIn("Factures émises par" if lang == "fr_FR" else "Invoices from", page)
            if lang == "fr_FR":
                self.assertIn(
                    "Le client conteste la facture : Marchandise ou service non reçu",
                    answer.with_context(lang="fr_FR")._summary(),
                )
        # what the accountant sees: Late payments, the invoice's tab, its activity (in the browser)...
        self.start_tour(
            "/odoo/action-relances_auto.action_relance_late_payments",
            "relances_auto_answer_accountant_tour",
            login=self.env.user.login,
        )
        # ... and the digest, in English and in French: each answered invoice says why it is not sent
        answers = self.env["relance.answer"].search([("partner_id", "in", (self.customer | french).ids)])
        self.assertEqual(len(answers), 6)

        def dates(kind, lang):
            answer = answers.filtered(lambda a: a.kind == kind)[0]
            return format_date(self.env(context={"lang": lang}), answer.promised_date or answer.payment_date)

        for lang, expected in (
            (
                "en_US",
                {
                    "promise": f"Not sent: The customer promised to pay on {dates('promise', 'en_US')}",
                    "paid": f"Not sent: The customer says it paid on {dates('paid', 'en_US')}",
                    "dispute": "Not sent: The customer disputes the invoice: Goods or service not received",
                },
            ),
            (
                "fr_FR",
                {
                    "promise": f"Non envoyée : Le client a promis de payer le {dates('promise', 'fr_FR')}",
                    "paid": f"Non envoyée : Le client indique avoir payé le {dates('paid', 'fr_FR')}",
                    "dispute": "Non envoyée : Le client conteste la facture : Marchandise ou service non reçu",
                },
            ),
        ):
            self.manager_user.lang = lang
            with self.mock_mail_gateway():
                self.env["relance.job"]._send_digest(self.company, self.manager_user)
            digest = read_digest(
                self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id).body_html
            )
            rows = {row["invoice"]: row["status"] for row in digest["rows"]}
            for answer in answers:
                self.assertTrue(
                    rows[answer.move_id.name].startswith(expected[answer.kind]), (lang, rows[answer.move_id.name])
                )

    def test_a_portal_user_of_the_customer_sees_the_same_page(self):
        contact = self.env["res.partner"].create(
            {"name": "Paul Dupont", "email": "paul@dupont.example.com", "parent_id": self.customer.id}
        )
        portal = self.env["res.users"].create(
            {
                "name": "Paul Dupont",
                "login": "paul.portal",
                "password": "paul.portal",
                "partner_id": contact.id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.move.message_subscribe(contact.ids)
        self.authenticate(portal.login, "paul.portal")
        url = f"/relances/answer/{self.move.id}"
        with freeze_time("2026-03-31 08:00:00"):
            text = page_text(self.url_open(url))
        self.assertIn(self.move.name, text, "logged in: no token needed")
        self.assertNotIn(self.strangers.name, text)
        self.assertEqual(self.url_open(f"/relances/answer/{self.strangers.id}").status_code, 404, "not its invoice")

    def test_pay_now_with_odoo_s_online_payment(self):
        """Where a payment provider is set up, "Pay now" leads to Odoo's own
        payment of the invoice (account_payment; here its demo provider, as an
        anonymous customer): once paid, the page says so and nothing is reminded."""
        self.assertNotIn("Pay now", page_text(self.url_open(self._url())), "no provider, no button")
        provider = self.env.ref("payment.payment_provider_demo").sudo().copy({"company_id": self.company.id})
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(self.env.ref("payment_demo.payment_method_demo").ids)],
            }
        )
        page = lxml_html.fromstring(self.url_open(self._url()).content)
        (pay,) = page.xpath("//a[normalize-space()='Pay now']")
        self.assertEqual(
            pay.get("href"), f"/en{self.move.get_portal_url()}", "the invoice's own portal page, in the page's language"
        )
        # the invoice's portal page offers the provider, as Odoo renders it for anyone with the link
        self.authenticate(None, None)
        portal = self.url_open(pay.get("href"))
        self.assertEqual(portal.status_code, 200)
        form = lxml_html.fromstring(portal.content).xpath('//form[@id="o_payment_form"]')[0]
        (radio,) = form.xpath(f'.//input[@name="o_payment_radio"][@data-provider-id="{provider.id}"]')
        # the customer pays: the transaction Odoo's form creates, the provider's answer, the status page
        processing = self.make_jsonrpc_request(
            form.get("data-transaction-route"),
            {
                "provider_id": provider.id,
                "payment_method_id": int(radio.get("data-payment-option-id")),
                "token_id": None,
                "amount": self.move.amount_residual,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": form.get("data-landing-route"),
                "access_token": form.get("data-access-token"),
            },
        )
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {"reference": processing["reference"], "payment_details": "4242", "simulated_state": "done"},
        )
        self.make_jsonrpc_request("/payment/status/poll", {})
        self.assertIn(self.move.payment_state, ("in_payment", "paid"))
        self.assertIn(f"Invoice {self.move.name} is paid: thank you.", page_text(self.url_open(self._url())))
        self.assertFalse(self.env["relance.planner"]._get_plan(companies=self.company, move_ids=self.move.ids))
