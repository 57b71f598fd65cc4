from freezegun import freeze_time
from lxml import html as lxml_html

from odoo import Command
from odoo.tests import tagged

from .common import RelancesCommon, read_digest


def late(move):
    """The invoice's “late now” text, spaces made plain."""
    return (move.relance_late_text or "").replace("\N{NO-BREAK SPACE}", " ")


TODAY = "2026-03-31"
AT_HOUR = "2026-03-31 07:30:00"


@tagged("post_install", "-at_install")
class TestInstalments(RelancesCommon):
    """Invoices in instalments (Odoo's payment terms): each unpaid instalment
    is late on its own date and goes through the stages on its own; every
    text says what is late now beside the invoice's total."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.mode = "auto"
        cls.company.relance_digest_user_ids = cls.manager_user
        cls.customer.lang = "en_US"
        cls.two = cls._term("30% now, balance in 60 days", [(30, 0), (70, 60)])
        cls.three = cls._term("30/60/90", [(30, 30), (30, 60), (40, 90)])

    @classmethod
    def _term(cls, name, lines):
        return cls.env["account.payment.term"].create(
            {
                "name": name,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": percent, "nb_days": days})
                    for percent, days in lines
                ],
            }
        )

    def _invoice(self, term, invoice_date="2026-03-11", amount=1000.0, partner=None):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.customer).id,
                "invoice_date": invoice_date,
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create({"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    def _pay(self, move, amount, date=TODAY):
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"amount": amount, "payment_date": date}
        )._create_payments()

    def _line(self, move, today=TODAY, upcoming=False):
        lines = self.env["relance.planner"]._get_plan(
            companies=self.company, today=today, move_ids=move.ids, upcoming=upcoming
        )
        return lines[0] if lines else None

    def _run(self, at=AT_HOUR):
        with freeze_time(at), self.mock_mail_gateway(mail_unlink_sent=False):
            self.env["relance.job"]._run(companies=self.company)

    def test_the_first_instalment_is_late_from_its_own_date(self):
        move = self._invoice(self.two)  # 300.00 due 03/11, 700.00 due 05/10
        self.assertEqual(str(move.invoice_date_due), "2026-05-10", "Odoo's due date: the last instalment's")
        line = self._line(move)
        self.assertEqual((line.level, line.days_late, str(line.due_date)), (2, 20, "2026-03-11"))
        self.assertTrue(line.send)
        with freeze_time(AT_HOUR):
            self.assertEqual(move.relance_days_late, 20)
            self.assertTrue(move.relance_overdue)
            self.assertIn(move, self.env["account.move"].search([("relance_overdue", "=", True)]))
            self.assertEqual(late(move), "$ 300.00 of $ 1,000.00 late since 03/11/2026, instalment 1 of 2")
            mail = self.env["relance.job"]._send_digest(self.company, self.manager_user)
        (row,) = [row for row in read_digest(mail.body_html)["rows"] if row["invoice"] == move.name]
        self.assertEqual(
            row["amount"].replace("\N{NO-BREAK SPACE}", " "),
            "$ 300.00 of $ 1,000.00 late since 03/11/2026, instalment 1 of 2",
        )
        self.assertEqual(row["days_late"], "20")
        self.assertEqual(row["status"], "Will be sent by email")

    def test_the_reminder_says_what_is_late_and_records_its_instalment(self):
        move = self._invoice(self.two)
        self._run()
        log = move.relance_log_ids
        self.assertEqual((log.level, str(log.instalment_due_date), log.instalment_amount), (2, "2026-03-11", 300.0))
        text = " ".join(lxml_html.fromstring(log.mail_id.body_html).text_content().split()).replace(
            "\N{NO-BREAK SPACE}", " "
        )
        self.assertIn(f"{move.name}: $ 300.00 of $ 1,000.00 late since 03/11/2026, instalment 1 of 2", text)
        self.assertEqual(log.mail_id.subject.count(move.name), 1, "#REF# and the subject unchanged")
        self.assertIn("(reminder).pdf", log.document, "stamped: an instalment is late")

    def test_the_mail_s_table_gives_the_late_instalment_s_due_date(self):
        """Beside its days late, the table's due date is the late instalment's,
        not the last one's (Odoo's due date), for an English and a French
        customer in one run."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        french = self.env["res.partner"].create({"name": "Dupont Frères", "email": "f@example.fr", "lang": "fr_FR"})
        english, francais = self._invoice(self.two), self._invoice(self.two, partner=french)
        self.assertEqual(str(english.invoice_date_due), "2026-05-10", "Odoo's due date: the last instalment's")
        self._run()
        for move, due, last in ((english, "03/11/2026", "05/10/2026"), (francais, "11/03/2026", "10/05/2026")):
            root = lxml_html.fromstring(move.relance_log_ids.mail_id.body_html)
            (row,) = [
                [" ".join(cell.text_content().split()) for cell in tr.findall("td")]
                for tr in root.iter("tr")
                if tr.findall("td") and " ".join(tr.findall("td")[0].text_content().split()) == move.name
            ]
            self.assertEqual(row[2], due, (move.partner_id.lang, row))
            self.assertNotIn(last, row)

    def test_each_instalment_goes_through_the_stages_on_its_own(self):
        move = self._invoice(self.two)
        with freeze_time("2026-04-15 07:30:00"):
            self.assertEqual(self._line(move, "2026-04-15").level, 3, "35 days late: the formal notice")
        self._run("2026-04-15 07:30:00")
        self.assertEqual(move.relance_log_ids.level, 3)
        self._pay(move, 300.0, "2026-04-16")
        with freeze_time("2026-04-20 07:30:00"):
            self.assertIsNone(self._line(move, "2026-04-20"), "a paid instalment is never reminded")
            upcoming = self._line(move, "2026-04-20", upcoming=True)
            self.assertEqual((upcoming.level, str(upcoming.due_on)), (1, "2026-05-17"), "the second from stage 1")
            self.assertEqual(late(move), "Nothing late: $ 700.00 of $ 1,000.00 due on 05/10/2026, instalment 2 of 2")
        self._run("2026-05-20 07:30:00")
        second = move.relance_log_ids.filtered(lambda log: str(log.instalment_due_date) == "2026-05-10")
        self.assertEqual((second.level, second.instalment_amount), (1, 700.0), "level 1 again, for this instalment")
        self._run("2026-05-21 07:30:00")
        self.assertEqual(len(move.relance_log_ids), 2, "each level once per instalment")

    def test_a_partial_payment_reduces_the_oldest_instalment(self):
        move = self._invoice(self.two)
        self._pay(move, 200.0)
        with freeze_time(AT_HOUR):
            self.assertEqual(late(move), "$ 100.00 of $ 1,000.00 late since 03/11/2026, instalment 1 of 2")
        self.assertEqual(self._line(move).level, 2, "still late: what is left of it")

    def test_three_instalments_and_a_credit_note(self):
        move = self._invoice(self.three, invoice_date="2026-01-15")  # 300 due 02/14, 300 due 03/16, 400 due 04/15
        with freeze_time(AT_HOUR):
            self.assertEqual(late(move), "$ 600.00 of $ 1,000.00 late since 02/14/2026, instalment 1 of 3")
            self.assertEqual(self._line(move).level, 3, "45 days late: the formal notice, for the first")
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": TODAY,
                "invoice_line_ids": [
                    Command.create({"name": "Refund", "quantity": 1, "price_unit": 300.0, "tax_ids": []})
                ],
            }
        )
        refund.action_post()
        credit = refund.line_ids.filtered(lambda line: line.display_type == "payment_term")
        move.js_assign_outstanding_line(credit.id)
        with freeze_time(AT_HOUR):
            move.invalidate_recordset()
            self.assertEqual(late(move), "$ 300.00 of $ 1,000.00 late since 03/16/2026, instalment 2 of 3")
            line = self._line(move)
            self.assertEqual((line.level, line.days_late), (2, 15), "the second instalment from its own date")

    def test_an_invoice_with_one_due_date_is_unchanged(self):
        move = self._create_invoice(due_date="2026-03-10")
        with freeze_time(AT_HOUR):
            self.assertFalse(move.relance_late_text)
        line = self._line(move)
        self.assertEqual((line.level, line.days_late, line.due_date), (2, 21, move.invoice_date_due))
        self._run()
        self.assertFalse(move.relance_log_ids.instalment_due_date)

    def test_dashboard_sums_each_currency_apart(self):
        euro = self.env.ref("base.EUR")
        euro.active = True
        with freeze_time(AT_HOUR):
            self._create_invoice(due_date="2026-03-11", amount=1000.0)
            in_euro = self._create_invoice(post=False, amount=500.0)
            in_euro.currency_id = euro
            in_euro.action_post()
            in_euro.invoice_date_due = "2026-03-11"
            data = self.env["relance.dashboard"].get_data()
        (ages,) = [figure for figure in data["ages"] if figure["label"] == "16–30 days"]
        self.assertEqual(ages["count"], 2)
        self.assertEqual(ages["amount"].replace("\N{NO-BREAK SPACE}", " "), "$ 1,000.00 + 500.00 €")
        sent = list(data["plan"]["send"])
        self.assertIn("500.00 €", " ".join(figure["amount"] for figure in sent).replace("\N{NO-BREAK SPACE}", " "))

    def test_late_from_follows_the_payments(self):
        """``relance_due_date`` (what the planner, Late payments and the
        dashboard's ages read) is the oldest unpaid instalment's date, and
        moves on once that instalment is paid."""
        move = self._invoice(self.three)  # 300.00 due 04/10, 300.00 due 05/10, 400.00 due 06/09
        self.assertEqual(
            (str(move.relance_due_date), move.relance_instalment, move.relance_instalment_count), ("2026-04-10", 1, 3)
        )
        self._pay(move, 200.0)
        self.assertEqual(str(move.relance_due_date), "2026-04-10", "100.00 of the first instalment is still due")
        self._pay(move, 100.0)
        self.assertEqual((str(move.relance_due_date), move.relance_instalment), ("2026-05-10", 2))
        one_date = self._invoice(self.env.ref("account.account_payment_term_30days"))
        self.assertEqual(one_date.relance_due_date, one_date.invoice_date_due)
        self.assertEqual((one_date.relance_instalment, one_date.relance_instalment_count), (1, 1))

    def test_dashboard_ages_count_from_the_late_instalment(self):
        move = self._invoice(self.two)  # 300.00 due 03/11 (20 days late), 700.00 due 05/10
        with freeze_time(AT_HOUR):
            data = self.env["relance.dashboard"].get_data()
        counts = {figure["label"]: figure["count"] for figure in data["ages"]}
        self.assertEqual((counts["16–30 days"], counts["Not due"]), (1, 0), move.name)
