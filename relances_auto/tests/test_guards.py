"""Guards: no configuration, address or company boundary breaks a run or
leaks data; the history is an audit trail. Real users of each role, and
several companies."""

from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RelancesCommon, read_digest

# 05:30 UTC is 07:30 in Paris on 2026-03-31 (summer time): after the sending hour
AT_HOUR = "2026-03-31 05:30:00"


@tagged("post_install", "-at_install")
@freeze_time(AT_HOUR)
class TestGuards(RelancesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Paris"
        cls.company.relance_digest_user_ids = cls.manager_user
        cls.program.mode = "auto"
        cls.stage_1 = cls.program.stage_ids.filtered(lambda s: s.level == 1)

    # 1. Bounds -------------------------------------------------------------

    def test_delay_of_more_than_ten_years_is_refused(self):
        with self.assertRaisesRegex(ValidationError, r"J\+3000000 is too long: .* at most 3650 days"):
            self.program.stage_ids.filtered(lambda s: s.level == 3).delay_days = 3000000
        self.assertEqual(self.program.stage_ids.mapped("delay_days"), [7, 15, 30], "nothing half-saved")
        self.program.stage_ids.filtered(lambda s: s.level == 3).delay_days = 3650
        move = self._create_invoice(due_date="2026-03-20")
        move.env["relance.sender"]._record(move, self.program.stage_ids.filtered(lambda s: s.level == 2))
        self.assertEqual(move.relance_next_label, "Level 3 on 03/17/2036, by email")

    def test_dates_stay_in_the_calendar(self):
        """Whatever a stage holds, the planner's dates never overflow."""
        self.env.cr.execute("UPDATE relance_stage SET delay_days = 3000000 WHERE id = %s", [self.stage_1.id])
        self.env["relance.stage"].invalidate_model()
        move = self._create_invoice(due_date="2026-03-20")
        self.assertTrue(move.relance_next_label)
        with self.mock_mail_gateway():
            self.env["relance.job"]._run(companies=self.company)
        self.assertTrue(self._new_mails, "the digest went out")

    # 2. Isolation in the daily job ------------------------------------------

    def test_a_broken_company_never_stops_the_others(self):
        companies = self.company
        customers, moves = {}, {}
        for name in ("Société B", "Société C"):
            company = self.setup_other_company(name=name)["company"]
            company.email = f"{name[-1]}@example.com"
            company.partner_id.tz = "Europe/Paris"
            company.relance_program_id.mode = "auto"
            admin = new_test_user(
                self.env,
                login=f"admin_{name[-1]}",
                email=f"admin.{name[-1]}@example.com",
                groups="account.group_account_manager",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
            company.relance_digest_user_ids = admin
            customers[company] = self.env["res.partner"].create(
                {"name": f"Client {name[-1]}", "email": f"client.{name[-1]}@example.com", "is_company": True}
            )
            moves[company] = self._create_invoice(partner=customers[company], due_date="2026-03-20", company=company)
            companies |= company
        broken = self._create_invoice(due_date="2026-03-20")
        original = type(self.env["relance.planner"])._get_plan

        def get_plan(planner, companies=None, **kwargs):
            if companies and self.company in companies:
                raise ValueError("broken configuration")
            return original(planner, companies=companies, **kwargs)

        with (
            patch.object(type(self.env["relance.planner"]), "_get_plan", get_plan),
            self.mock_mail_gateway(),
            mute_logger("odoo.addons.relances_auto.models.relance_job"),
        ):
            self.env["relance.job"]._run(companies=companies)
        for company in companies - self.company:
            self.assertEqual(company.relance_run_date.isoformat(), "2026-03-31")
            self.assertEqual(moves[company].relance_log_ids.kind, "auto", f"{company.name} got its reminder")
            digest = self._new_mails.filtered(
                lambda m, c=company: m.recipient_ids == c.relance_digest_user_ids.partner_id
            )
            self.assertIn(moves[company].name, read_digest(digest.body_html)["rows"][0]["invoice"])
        self.assertFalse(self.company.relance_run_date, "the failing company is tried again at the next run")
        self.assertFalse(broken.relance_log_ids)
        self.assertEqual(
            self.company.relance_run_error,
            "An unexpected error stopped the run (ValueError): the details are in the server log.",
        )
        failure = self._new_mails.filtered(lambda m: m.recipient_ids == self.manager_user.partner_id)
        self.assertEqual(failure.subject, f"{self.company.name}: today's reminders failed")
        self.assertIn("tried again at the next hourly run", failure.body_html)
        self.assertNotIn("Traceback", failure.body_html)
        # the next run, repaired, sends it; the failure was told once
        with self.mock_mail_gateway():
            self.env["relance.job"]._run(companies=companies)
        self.assertEqual(broken.relance_log_ids.kind, "auto")
        self.assertFalse(self.company.relance_run_error)

    # 3. Programs in use -----------------------------------------------------

    def test_deleting_a_program_in_use_is_refused(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["relances_auto"], ["fr_FR"], overwrite=True)
        program = self._create_program(name="Clients VIP", mode="auto")
        self.customer.write({"relance_policy": "custom", "relance_program_id": program.id})
        with self.assertRaisesRegex(
            ValidationError, "“Clients VIP” is followed by Dupont SARL: give this customer another program first"
        ):
            program.unlink()
        with self.assertRaisesRegex(ValidationError, "suivi par Dupont SARL : donnez-lui d'abord un autre programme"):
            program.with_context(lang="fr_FR").unlink()
        second = self.env["res.partner"].create({"name": "Martin SA", "is_company": True})
        second.write({"relance_policy": "custom", "relance_program_id": program.id})
        with self.assertRaisesRegex(ValidationError, "followed by Dupont SARL, Martin SA: give them another"):
            program.unlink()
        self.assertTrue(program.exists())
        with self.assertRaisesRegex(ValidationError, "is the global program of"):
            self.program.unlink()
        unused = self._create_program(name="Inutile")
        unused.unlink()
        self.assertFalse(unused.exists())

    def test_archiving_a_program_tells_what_happens(self):
        program = self._create_program(name="Clients VIP", mode="auto", stages=((1, 5),))
        self.customer.write({"relance_policy": "custom", "relance_program_id": program.id})
        move = self._create_invoice(due_date="2026-03-20")
        result = program.action_archive()
        self.assertIn("Dupont SARL is no longer reminded automatically", result["params"]["message"])
        self.assertFalse(program.active)
        line = self._plan(move)[move.id]
        self.assertEqual((line.send, line.reason), (False, "program_archived"))
        with self.mock_mail_gateway():
            self.env["relance.job"]._send_digest(self.company, self.manager_user)
        rows = read_digest(self._new_mails.body_html)["rows"]
        self.assertEqual([(r["invoice"], r["status"]) for r in rows], [(move.name, "Not sent: Program archived")])
        self.program.action_archive()
        other = self._create_invoice(partner=self.env["res.partner"].create({"name": "X", "email": "x@x.fr"}))
        self.assertEqual(self._plan(other)[other.id].reason, "program_archived", "the global one too")

    # 4. Several addresses in one email field --------------------------------

    def test_every_valid_address_of_the_field_is_mailed(self):
        for separator in (", ", ";"):
            partner = self.env["res.partner"].create(
                {"name": "Multi", "email": f"compta@x.fr{separator}dg@x.fr", "is_company": True}
            )
            move = self._create_invoice(partner=partner, due_date="2026-03-20")
            self.assertTrue(self._plan(move)[move.id].send, "not “No valid email address”")
            form = Form(self.env["relance.send"].with_context(**move.action_relance_open_send()["context"]))
            self.assertEqual(form.recipient_emails, '"Multi" <compta@x.fr>, "Multi" <dg@x.fr>')
            with self.mock_mail_gateway():
                form.save().action_send_customer()
                self._new_mails.send()
            self.assertEqual(move.relance_log_ids.recipient, '"Multi" <compta@x.fr>, "Multi" <dg@x.fr>')
            sent_to = {email for mail in self._mails for email in mail["email_to"]}
            self.assertTrue({"compta@x.fr", "dg@x.fr"} <= {e.split("<")[-1].strip(">") for e in sent_to}, sent_to)
        nobody = self.env["res.partner"].create({"name": "Nobody", "email": "not-an-email; neither"})
        move = self._create_invoice(partner=nobody, due_date="2026-03-20")
        self.assertEqual(self._plan(move)[move.id].reason, "no_email")

    # 5. Digest recipients ---------------------------------------------------

    def test_digest_recipients_are_users_of_the_company(self):
        company_b = self.env["res.company"].create({"name": "Société B"})
        outsider = new_test_user(
            self.env,
            login="outsider",
            email="outsider@example.com",
            groups="account.group_account_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        with self.assertRaisesRegex(ValidationError, "only its own internal users can receive it, not outsider"):
            self.company.relance_digest_user_ids = outsider
        self.assertEqual(self.company.relance_digest_user_ids, self.manager_user)
        # a user removed from the company since stops receiving it
        self.manager_user.company_ids = [Command.set((self.company | company_b).ids)]
        self.company.relance_digest_user_ids = self.manager_user
        self.manager_user.write({"company_id": company_b.id, "company_ids": [Command.set(company_b.ids)]})
        self.assertNotIn(self.manager_user, self.company._relance_digest_recipients())

    # 6. The history is an audit trail ---------------------------------------

    def test_history_is_an_audit_trail(self):
        move = self._create_invoice(due_date="2026-03-20")
        with self.mock_mail_gateway():
            sent = self.env["relance.sender"].with_user(self.billing_user)._send(move, self.stage_1, "manual")
        call = self._create_invoice(due_date="2026-03-20")
        recorded = self.env["relance.sender"].with_user(self.billing_user)._record(call, self.stage_1, note="Phone")
        for user in (self.billing_user, self.manager_user):
            log = sent.with_user(user)
            for values in ({"level": 3}, {"recipient": "someone@else.fr"}, {"date": "2026-01-01"}, {"state": "sent"}):
                with self.assertRaises(UserError):  # AccessError for billing users, the audit rule for managers
                    log.write(values)
            with self.assertRaises(AccessError):
                log.unlink()
            with self.assertRaises(AccessError):
                self.env["relance.log"].with_user(user).create(
                    {"move_id": move.id, "partner_id": self.customer.id, "company_id": self.company.id, "level": 2}
                )
        self.assertEqual((sent.level, sent.state), (1, "queued"), "nothing changed")
        with self.assertRaises(AccessError):
            sent.with_user(self.billing_user).note = "hidden"
        sent.with_user(self.manager_user).note = "Customer called back"
        self.assertEqual(sent.note, "Customer called back")
        with self.assertRaisesRegex(UserError, "Only accounting managers"):
            recorded.with_user(self.billing_user).action_cancel_record()
        with self.assertRaisesRegex(UserError, "Only reminders recorded without sending can be cancelled"):
            sent.with_user(self.manager_user).action_cancel_record()
        self.assertEqual(call.relance_last_level, 1)
        recorded.with_user(self.manager_user).action_cancel_record()
        self.assertEqual(recorded.state, "cancelled")
        self.assertIn("Cancelled by", recorded.note)
        self.assertEqual(call.relance_last_level, 0, "a cancelled record no longer counts")
        self.assertIn("cancelled by", call.message_ids[0].body)

    def test_history_of_another_company_is_not_readable(self):
        company_b = self.env["res.company"].create({"name": "Société B"})
        user_b = new_test_user(
            self.env,
            login="billing_b",
            groups="account.group_account_invoice",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        move = self._create_invoice(due_date="2026-03-20")
        move.env["relance.sender"]._record(move, self.stage_1, note="Phone")
        self.assertFalse(self.env["relance.log"].with_user(user_b).search([]))
        readonly = new_test_user(
            self.env,
            login="auditor",
            groups="account.group_account_readonly",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertEqual(self.env["relance.log"].with_user(readonly).search([]).move_id, move)
