from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import RelancesCommon


@tagged("post_install", "-at_install")
class TestRelanceProgram(RelancesCommon):
    def test_default_program_of_a_company(self):
        """Every company starts with a manual 3-stage program (J+7, J+15, J+30)."""
        program = self.program
        self.assertTrue(program, "a new company gets its global program")
        self.assertEqual(program.company_id, self.company)
        self.assertEqual(program.mode, "manual")
        stages = program.stage_ids.sorted("level")
        self.assertEqual(stages.mapped("level"), [1, 2, 3])
        self.assertEqual(stages.mapped("delay_days"), [7, 15, 30])
        self.assertTrue(all("#REF#" in subject for subject in stages.mapped("subject")))
        self.assertEqual(
            stages.mapped("mail_template_id"),
            self.env.ref("relances_auto.mail_template_relance_level_1")
            | self.env.ref("relances_auto.mail_template_relance_level_2")
            | self.env.ref("relances_auto.mail_template_relance_level_3"),
        )
        self.assertTrue(all(t.model == "account.move" for t in stages.mapped("mail_template_id")))

    def test_default_program_installed_for_main_company(self):
        main_company = self.env.ref("base.main_company").sudo()
        self.assertTrue(main_company.relance_program_id)
        self.assertEqual(main_company.relance_program_id.mode, "manual")

    def test_default_program_is_translated(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        company = self.env["res.company"].create({"name": "Société Test"})
        program = company.relance_program_id
        self.assertEqual(program.with_context(lang="fr_FR").name, "Relances standard")
        self.assertIn("#REF#", program.stage_ids[0].with_context(lang="fr_FR").subject)
        self.assertNotEqual(program.stage_ids[0].with_context(lang="fr_FR").subject, program.stage_ids[0].subject)

    def test_program_with_one_to_three_stages(self):
        for stages in (((1, 0),), ((1, 3), (2, 9)), ((1, 1), (2, 2), (3, 3))):
            program = self._create_program(stages=stages)
            self.assertEqual(len(program.stage_ids), len(stages))

    def test_program_without_stage(self):
        with self.assertRaisesRegex(ValidationError, "at least one stage"):
            self._create_program(stages=())

    def test_program_with_more_than_three_stages(self):
        values = self._program_values(stages=((1, 1), (2, 2), (3, 3)))
        values["stage_ids"].append(Command.create({"level": 3, "delay_days": 40, "subject": "x"}))
        with self.assertRaisesRegex(ValidationError, "at most 3 stages"):
            self.env["relance.program"].create(values)

    def test_delays_must_increase_with_level(self):
        with self.assertRaisesRegex(ValidationError, "delays must increase"):
            self._create_program(stages=((1, 10), (2, 10)))
        with self.assertRaisesRegex(ValidationError, "delays must increase"):
            self._create_program(stages=((1, 20), (2, 10), (3, 30)))
        program = self._create_program(stages=((1, 5), (2, 10)))
        with self.assertRaisesRegex(ValidationError, "delays must increase"):
            program.stage_ids.filtered(lambda s: s.level == 2).delay_days = 3
        self.env.invalidate_all()
        self.assertEqual(program.stage_ids.sorted("level").mapped("delay_days"), [5, 10])

    def test_moving_all_delays_in_one_save(self):
        """Delays checked once the whole program is saved, not line by line."""
        program = self._create_program(stages=((1, 5), (2, 10)))
        stage_1, stage_2 = program.stage_ids.sorted("level")
        program.write(
            {
                "stage_ids": [
                    Command.update(stage_1.id, {"delay_days": 20}),
                    Command.update(stage_2.id, {"delay_days": 40}),
                ]
            }
        )
        self.assertEqual([stage_1.delay_days, stage_2.delay_days], [20, 40])

    def test_two_stages_same_level(self):
        with self.assertRaisesRegex(ValidationError, "same level"):
            self._create_program(stages=((1, 5), (1, 10)))

    def test_level_out_of_range(self):
        with self.assertRaisesRegex(ValidationError, "1, 2 or 3"):
            self._create_program(stages=((4, 5),))
        with self.assertRaisesRegex(ValidationError, "1, 2 or 3"):
            self._create_program(stages=((0, 5),))

    def test_courtesy_delay_bounds(self):
        """J-X down to J-30 is a courtesy reminder; earlier is refused, saying the bound."""
        program = self._create_program(stages=((1, -30), (2, 0), (3, 7)))
        self.assertEqual(program.stage_ids.mapped("display_name")[0], "Test program – level 1 (J-30)")
        with self.assertRaisesRegex(ValidationError, "J-31 is too early: a courtesy reminder is sent at most 30 days"):
            self._create_program(stages=((1, -31),))
        with self.assertRaisesRegex(ValidationError, "fee cannot be negative"):
            program.stage_ids[:1].fee_amount = -40

    def test_empty_subject(self):
        values = self._program_values(stages=((1, 5),))
        values["stage_ids"][0][2]["subject"] = "   "
        with self.assertRaisesRegex(ValidationError, "subject"):
            self.env["relance.program"].create(values)

    def test_template_of_another_model(self):
        template = self.env["mail.template"].create(
            {"name": "Partner template", "model_id": self.env["ir.model"]._get_id("res.partner")}
        )
        values = self._program_values(stages=((1, 5),))
        values["stage_ids"][0][2]["mail_template_id"] = template.id
        with self.assertRaisesRegex(ValidationError, "not a template of invoices"):
            self.env["relance.program"].create(values)

    def test_removing_the_last_stage(self):
        program = self._create_program(stages=((1, 5),))
        with self.assertRaisesRegex(ValidationError, "at least one stage"):
            program.stage_ids.unlink()
        self.env.invalidate_all()
        self.assertEqual(len(program.stage_ids), 1, "nothing half-saved")
        with self.assertRaisesRegex(ValidationError, "at least one stage"):
            program.write({"stage_ids": [Command.clear()]})

    def test_stage_default_template_follows_level(self):
        program = self._create_program(stages=((1, 5),))
        stage = (
            self.env["relance.stage"]
            .with_context(default_level=2)
            .create({"program_id": program.id, "level": 2, "delay_days": 10, "subject": "Second #REF#"})
        )
        self.assertEqual(stage.mail_template_id, self.env.ref("relances_auto.mail_template_relance_level_2"))

    def test_program_form(self):
        with Form(self.env["relance.program"]) as form:
            form.name = "Form program"
            form.mode = "auto"
            with form.stage_ids.new() as line:
                line.delay_days = 3
                line.subject = "Reminder #REF#"
            with form.stage_ids.new() as line:
                self.assertEqual(line.level, 2, "the next stage gets the next level")
                line.delay_days = 12
                line.subject = "Second reminder #REF#"
                self.assertEqual(line.mail_template_id, self.env.ref("relances_auto.mail_template_relance_level_2"))
        program = form.record
        self.assertEqual(program.stage_ids.sorted("level").mapped("delay_days"), [3, 12])
        self.assertEqual(program.company_id, self.env.company)

    def test_copy_program(self):
        copy = self.program.copy()
        self.assertEqual(len(copy.stage_ids), 3)
        self.assertIn("(copy)", copy.name)

    def test_global_program_cannot_be_deleted(self):
        with self.assertRaisesRegex(UserError, "global program"):
            self.program.unlink()

    def test_global_program_of_another_company(self):
        other = self.setup_other_company()["company"]
        with self.assertRaisesRegex(ValidationError, "must be one of its own"):
            self.company.relance_program_id = other.relance_program_id

    def test_multi_company_rule(self):
        other = self.setup_other_company()["company"]
        other_program = other.relance_program_id
        Program = self.env["relance.program"].with_user(self.manager_user)
        self.assertNotIn(other_program, Program.search([]))
        with self.assertRaises(AccessError):
            other_program.with_user(self.manager_user).read(["name"])

    def test_access_rights(self):
        program_as_billing = self.program.with_user(self.billing_user)
        self.assertEqual(program_as_billing.name, self.program.name, "billing users read programs")
        self.assertTrue(program_as_billing.stage_ids.mapped("subject"))
        with self.assertRaises(AccessError):
            program_as_billing.write({"mode": "auto"})
        with self.assertRaises(AccessError):
            self.env["relance.program"].with_user(self.billing_user).create(self._program_values())
        program = self.env["relance.program"].with_user(self.manager_user).create(self._program_values())
        program.write({"mode": "auto"})
        self.assertEqual(program.mode, "auto")
