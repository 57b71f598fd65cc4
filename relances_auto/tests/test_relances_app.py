import datetime

from odoo.addons.relances_auto.models.relance_sender import RelanceMail
from odoo.tests import Form, tagged

from .common import RelancesCommon

TODAY = datetime.date(2026, 3, 31)


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


@tagged("post_install", "-at_install")
class TestRelancesApp(RelancesCommon):
    """The Relances app's home and worklist: the dashboard's figures are the
    planner's, the history knows when each reminded invoice was paid, and a
    customer's late invoices go in one mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        cls.program.mode = "auto"  # J+7 / J+15 / J+30
        cls.no_mail = cls.env["res.partner"].create({"name": "Sans Mail SA", "is_company": True})
        cls.late_20 = cls._create_invoice(due_date=days_ago(20), amount=2000.0)  # level 2 due
        cls.late_3 = cls._create_invoice(due_date=days_ago(3), amount=300.0)  # overdue, no stage yet
        cls.not_due = cls._create_invoice(due_date=TODAY + datetime.timedelta(days=10), amount=500.0)
        cls.blocked = cls._create_invoice(partner=cls.no_mail, due_date=days_ago(10), amount=700.0)
        cls.paid = cls._create_invoice(due_date=days_ago(40), amount=100.0)
        cls._pay(cls.paid, days_ago(35))

    @classmethod
    def _pay(cls, move, day):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"payment_date": day})
            ._create_payments()
        )

    def _dashboard(self, lang="en_US"):
        return self.env["relance.dashboard"].with_context(relance_today=TODAY, lang=lang).get_data()

    def _history(self, move, level, day):
        stage = self.program.stage_ids.filtered(lambda s: s.level == level)
        values = move.env["relance.sender"]._log_values(RelanceMail(move, stage), "auto", "sent", "x", "x")[0]
        return self.env["relance.log"].sudo().create(dict(values, date=day))

    def test_history_knows_when_the_invoice_was_paid(self):
        log = self._history(self.late_20, 1, days_ago(12))
        self.assertFalse(log.paid_date)
        payment = self._pay(self.late_20, days_ago(5))
        self.assertEqual(log.paid_date, days_ago(5))
        self.assertEqual(log.days_to_pay, 7)
        payment.action_draft()  # the payment is removed: the invoice is unpaid again
        self.assertEqual(self.late_20.payment_state, "not_paid")
        self.assertFalse(log.paid_date, "kept current when a payment is removed")

    def test_dashboard_says_what_the_plan_says(self):
        plan = self._plan(today=TODAY)
        data = self._dashboard()
        send = data["plan"]["send"]
        self.assertEqual([(row["label"], row["count_label"]) for row in send], [("Level 2 by email", "1 invoice")])
        self.assertEqual(send[0]["action"]["domain"], [("id", "in", [self.late_20.id])])
        self.assertTrue(plan[self.late_20.id].send)
        blocked = data["plan"]["blocked"]
        self.assertEqual([(row["label"], row["count"]) for row in blocked], [("No valid email address", 1)])
        self.assertEqual(blocked[0]["action"]["domain"], [("id", "in", [self.blocked.id])])
        self.assertFalse(plan[self.blocked.id].send)
        # the amount left to pay by age, each figure with its invoices
        ages = {row["label"]: (row["count"], row["value"]) for row in data["ages"]}
        self.assertEqual(ages["Not due"], (1, 500.0))
        self.assertEqual(ages["1–15 days"], (2, 1000.0))
        self.assertEqual(ages["16–30 days"], (1, 2000.0))
        self.assertEqual(ages["Over 60 days"], (0, 0.0))
        age_moves = self.env["account.move"].search(data["ages"][1]["action"]["domain"])
        self.assertEqual(age_moves, self.late_3 | self.blocked)
        levels = {row["label"]: row["count"] for row in data["levels"]}
        self.assertEqual(levels["Never reminded"], 3)
        # in French
        data_fr = self._dashboard("fr_FR")
        self.assertEqual(data_fr["plan"]["send"][0]["label"], "Niveau 2 par e-mail")
        self.assertEqual(data_fr["plan"]["send"][0]["count_label"], "1 facture")
        self.assertEqual(data_fr["plan"]["blocked"][0]["label"], "Pas d'adresse e-mail valide")
        self.assertEqual(data_fr["ages"][0]["label"], "Pas encore échue")

    def test_which_stage_gets_invoices_paid(self):
        moves = [self._create_invoice(due_date=days_ago(60)) for _i in range(4)]
        for move in moves:
            self._history(move, 1, days_ago(40))
        self._pay(moves[0], days_ago(35))  # 5 days after the reminder
        self._pay(moves[1], days_ago(19))  # 21 days after
        recent = self._create_invoice(due_date=days_ago(20))
        self._history(recent, 1, days_ago(3))  # too recent to count in the shares
        self._history(moves[2], 2, days_ago(25))
        rows = {row["level"]: row for row in self._dashboard()["effectiveness"]}
        self.assertEqual(rows[1]["reminded"], 5)
        self.assertEqual(rows[1]["shares"], ["25 %", "25 %", "50 %"])
        self.assertEqual(rows[1]["median"], "13 days")
        self.assertEqual((rows[2]["reminded"], rows[2]["shares"], rows[2]["median"]), (1, ["–", "–", "–"], "–"))
        action = self.env["relance.dashboard"].effectiveness_action(rows[1]["program_id"], 1)
        logs = self.env["relance.log"].search(action["domain"])
        self.assertEqual(len(logs), 5, "the row opens the reminders it counts")
        self.assertEqual(self._dashboard("fr_FR")["effectiveness"][0]["median"], "13 jours")

    def test_late_payments_worklist(self):
        Move = self.env["account.move"].with_context(relance_today=TODAY)
        mine = self.late_20 | self.late_3 | self.not_due | self.blocked | self.paid
        overdue = Move.search([("relance_overdue", "=", True), ("id", "in", mine.ids)])
        self.assertEqual(overdue, self.late_20 | self.late_3 | self.blocked)
        send = Move.search([("relance_plan_state", "=", "send"), ("id", "in", mine.ids)])
        self.assertEqual(send, self.late_20)
        blocked = Move.search([("relance_plan_state", "=", "blocked"), ("id", "in", mine.ids)])
        self.assertEqual(blocked, self.blocked)
        self.assertEqual(self.late_3.with_context(relance_today=TODAY).relance_plan_state, "waiting")
        row = self.late_20.with_context(relance_today=TODAY)
        self.assertEqual(row.relance_next_label, f"Level 2 at the next automatic run ({TODAY:%m/%d/%Y}), by email")

    def test_customer_reminds_all_late_invoices_in_one_mail(self):
        customer = self.customer.with_context(relance_today=TODAY)
        self.assertEqual(customer.relance_overdue_count, 2)
        action = customer.action_relance_remind_all()
        wizard = Form(self.env["relance.send"].with_context(relance_today=TODAY, **action["context"]))
        self.assertEqual(wizard.move_id, self.late_20, "the most late leads")
        self.assertTrue(wizard.several)
        with self.mock_mail_gateway():
            wizard.save().action_send_customer()
        logs = (self.late_20 | self.late_3).relance_log_ids
        self.assertEqual(len(logs), 2)
        self.assertEqual(self.late_20.relance_log_ids.level, 2, "the stage chosen for the mail")
        self.assertEqual(self.late_3.relance_log_ids.level, 1, "3 days late: its own first level, none skipped")
        self.assertEqual(len(logs.mail_id), 1, "one mail for both")
        text = logs.mail_id.body_html
        self.assertIn(self.late_20.name, text)
        self.assertIn(self.late_3.name, text)
        self.assertEqual(customer.relance_log_count, 2)
        self.assertEqual(customer.action_relance_view_logs()["domain"], [("partner_id", "=", self.customer.id)])
