from freezegun import freeze_time

from odoo.tests import tagged

from .common import RelancesCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-31 10:00:00")
class TestInvoiceReminders(RelancesCommon):
    """The planner seen from the invoices (global program: J+7, J+15, J+30)."""

    def test_stage_due_by_lateness(self):
        moves = {
            days: self._create_invoice(due_date=f"2026-03-{31 - days:02d}")
            if days < 31
            else self._create_invoice(due_date="2026-02-15")
            for days in (3, 7, 16, 30, 44)
        }
        plan = self._plan()
        self.assertNotIn(moves[3].id, plan, "not late enough for the first stage")
        self.assertEqual(plan[moves[7].id].level, 1)
        self.assertEqual(plan[moves[16].id].level, 2)
        self.assertEqual(plan[moves[30].id].level, 3)
        self.assertEqual(plan[moves[44].id].level, 3, "missed stages are skipped")
        self.assertFalse(plan[moves[16].id].send)
        self.assertEqual(plan[moves[16].id].reason, "manual_mode", "the default program is manual")

    def test_automatic_program_sends(self):
        self.program.mode = "auto"
        move = self._create_invoice(due_date="2026-03-15")
        line = self._plan(move)[move.id]
        self.assertTrue(line.send)
        self.assertEqual((line.level, line.days_late), (2, 16))

    def test_only_unpaid_customer_invoices(self):
        self.program.mode = "auto"
        paid = self._create_invoice(due_date="2026-03-01")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=paid.ids).create(
            {"payment_date": "2026-03-30"}
        )._create_payments()
        self.assertIn(paid.payment_state, ("paid", "in_payment"))
        partial = self._create_invoice(due_date="2026-03-01")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=partial.ids).create(
            {"payment_date": "2026-03-30", "amount": 100.0}
        )._create_payments()
        self.assertEqual(partial.payment_state, "partial")
        draft = self._create_invoice(due_date="2026-03-01", post=False)
        refund = self._create_invoice(due_date="2026-03-01").with_context()._reverse_moves(cancel=False)
        refund.action_post()
        plan = self._plan()
        self.assertNotIn(paid.id, plan)
        self.assertNotIn(draft.id, plan)
        self.assertNotIn(refund.id, plan)
        self.assertTrue(plan[partial.id].send, "a partial payment never stops reminders")

    def test_reasons(self):
        self.program.mode = "auto"
        excluded = self._create_invoice(due_date="2026-03-01")
        excluded.relance_excluded = True
        no_email_partner = self.env["res.partner"].create({"name": "No mail", "is_company": True})
        no_email = self._create_invoice(partner=no_email_partner, due_date="2026-03-01")
        none_partner = self.env["res.partner"].create(
            {"name": "Never auto", "email": "never@example.com", "is_company": True}
        )
        none_partner.relance_policy = "none"
        policy_none = self._create_invoice(partner=none_partner, due_date="2026-03-01")
        plan = self._plan()
        self.assertEqual(plan[excluded.id].reason, "excluded")
        self.assertEqual(plan[no_email.id].reason, "no_email")
        self.assertEqual(plan[policy_none.id].reason, "policy_none")
        self.assertFalse(excluded.relance_auto_enabled)

    def test_custom_program_of_customer(self):
        fast = self._create_program(name="Fast", mode="auto", stages=((1, 1), (2, 2)))
        self.customer.write({"relance_policy": "custom", "relance_program_id": fast.id})
        move = self._create_invoice(due_date="2026-03-29")
        line = self._plan(move)[move.id]
        self.assertEqual((line.program_id, line.level, line.send), (fast.id, 2, True))
        self.assertEqual(move.relance_program_id, fast)
        self.assertEqual(move.relance_program_mode, "auto")

    def test_invoice_summary_fields(self):
        move = self._create_invoice(due_date="2026-03-20")
        self.assertTrue(move.relance_show)
        self.assertEqual(move.relance_last_label, "Not yet sent")
        self.assertEqual(move.relance_count, 0)
        self.assertEqual(move.relance_next_level, 1)
        # level 1 (J+7) was reached on 03-27: it is due now, never shown as a past date
        self.assertEqual(str(move.relance_next_date), "2026-03-31")
        self.assertEqual(
            move.relance_next_label,
            "No automatic reminder (Program in manual mode): level 1 can be sent by hand now",
        )
        self.assertEqual(move.relance_days_late, 11)
        self.assertEqual(move.relance_program_id, self.program)
        stage_1 = self.program.stage_ids.filtered(lambda s: s.level == 1)
        move.env["relance.sender"]._record(move, stage_1, note="Phone call")
        self.assertEqual((move.relance_last_level, move.relance_count), (1, 1))
        self.assertEqual(str(move.relance_last_date), "2026-03-31")
        self.assertEqual(move.relance_last_label, "Level 1, today (1 sent)")
        self.assertEqual(move.relance_next_level, 2)
        with freeze_time("2026-04-03 10:00:00"):
            move.invalidate_recordset(["relance_last_label"])
            self.assertEqual(move.relance_last_label, "Level 1, 3 days ago (1 sent)")

    def test_tests_never_count(self):
        move = self._create_invoice(due_date="2026-03-20")
        stage_1 = self.program.stage_ids.filtered(lambda s: s.level == 1)
        move.env["relance.sender"]._send_test(move, stage_1)
        self.assertEqual(len(move.relance_log_ids), 1)
        self.assertEqual((move.relance_last_level, move.relance_count), (0, 0))
        self.assertEqual(self._plan(move)[move.id].level, 1)

    def test_to_remind_filter(self):
        due = self._create_invoice(due_date="2026-03-20")
        not_yet = self._create_invoice(due_date="2026-03-28")
        reminded = self._create_invoice(due_date="2026-03-20")
        reminded.env["relance.sender"]._record(reminded, self.program.stage_ids.filtered(lambda s: s.level == 1))
        found = self.env["account.move"].search(
            [("relance_to_remind", "=", True), ("company_id", "=", self.company.id)]
        )
        self.assertIn(due, found)
        self.assertNotIn(not_yet, found)
        self.assertNotIn(reminded, found, "its due stage was already sent")
        self.assertTrue(due.relance_to_remind)
        self.assertFalse(reminded.relance_to_remind)
        reminded_found = self.env["account.move"].search([("relance_count", ">", 0)])
        self.assertEqual(reminded_found, reminded)

    def test_enable_disable_automatic_reminders(self):
        moves = self._create_invoice(due_date="2026-03-20") | self._create_invoice(due_date="2026-03-21")
        moves.action_relance_disable_auto()
        self.assertTrue(all(moves.mapped("relance_excluded")))
        self.assertEqual(
            self.env["account.move"].search([("relance_auto_enabled", "=", False), ("id", "in", moves.ids)]), moves
        )
        moves.action_relance_enable_auto()
        self.assertFalse(any(moves.mapped("relance_excluded")))
        moves[0].relance_auto_enabled = False
        self.assertTrue(moves[0].relance_excluded)

    def test_plan_queries_do_not_grow_with_invoices(self):
        self.program.mode = "auto"
        self._create_invoice(due_date="2026-03-01")
        self._plan()  # the company's own settings (time zone, digest recipients) are read once
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self._plan()
        few = self.env.cr.sql_log_count - before
        for index in range(20):
            partner = self.env["res.partner"].create({"name": f"C{index}", "email": f"c{index}@example.com"})
            self._create_invoice(partner=partner, due_date="2026-03-01")
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        plan = self._plan()
        many = self.env.cr.sql_log_count - before
        self.assertEqual(len(plan), 21)
        self.assertEqual(few, many, "the plan is read in a fixed number of queries")

    def test_multi_company_plan(self):
        other = self.setup_other_company()["company"]
        other.relance_program_id.mode = "auto"
        self.program.mode = "auto"
        mine = self._create_invoice(due_date="2026-03-01")
        theirs = self._create_invoice(due_date="2026-03-01", company=other)
        plan = {line.invoice_id: line for line in self.env["relance.planner"]._get_plan(companies=other)}
        self.assertIn(theirs.id, plan)
        self.assertNotIn(mine.id, plan)
        self.assertEqual(plan[theirs.id].program_id, other.relance_program_id.id)

    def test_history_lines_are_named(self):
        move = self._create_invoice(due_date="2026-03-20")
        log = move.env["relance.sender"]._record(move, self.program.stage_ids.filtered(lambda s: s.level == 1))
        self.assertIn(move.name, log.display_name)
        self.assertEqual(log.partner_id, self.customer)
        self.assertEqual(log.amount_residual, 1000.0)
        action = move.action_relance_view_logs()
        self.assertEqual(self.env["relance.log"].search(action["domain"]), log)
